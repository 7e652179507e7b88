"""HTTP routes of enrollment: parse, call the service layer, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from samla_shared.http.auth import Access, refuse

from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.cohorts import CohortStatus
from samla_enrollment.entrypoints.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApprovalDecision,
    Archival,
    CapacityChange,
    CohortCreate,
    CohortPublic,
    ContactPublic,
    ErasurePublic,
    ErasureRequest,
    HistoryEntry,
    InterestCreate,
    InterestPublic,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeUpdate,
    RetentionRound,
    StatusChange,
    Withdrawal,
)
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.privacy import PersonalData

MAX_PAGE = 200


def get_service(request: Request) -> EnrollmentService:
    return request.app.state.enrollment


def get_privacy(request: Request) -> PersonalData:
    return request.app.state.privacy


Service = Annotated[EnrollmentService, Depends(get_service)]
Privacy = Annotated[PersonalData, Depends(get_privacy)]
Offset = Annotated[int, Query(ge=0, le=100_000, description="How many items to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}.")]

NOT_FOUND = {404: {"description": "Unknown id"}}
CONFLICT = {409: {"description": "The current state does not allow it; the detail says why"}}
RULE = {422: {"description": "Invalid input, or a rule of the programme or cohort; the detail says why"}}

programmes = APIRouter(prefix="/programmes", tags=["programmes"])
cohorts = APIRouter(prefix="/cohorts", tags=["cohorts"])
applications = APIRouter(prefix="/applications", tags=["applications"])
people = APIRouter(prefix="/people", tags=["people"])
retention = APIRouter(prefix="/retention", tags=["personal data"])


def _public(model: type, doc: dict[str, Any]) -> Any:
    return model.model_validate({k: v for k, v in doc.items() if k in model.model_fields} | {"id": doc["_id"]})


def programme_public(doc: dict[str, Any]) -> ProgrammePublic:
    return _public(ProgrammePublic, doc)


def cohort_public(doc: dict[str, Any]) -> CohortPublic:
    return _public(CohortPublic, doc)


def application_public(doc: dict[str, Any]) -> ApplicationPublic:
    return _public(ApplicationPublic, doc)


def interest_public(doc: dict[str, Any]) -> InterestPublic:
    return _public(InterestPublic, doc)


# -- scope: a resource outside the caller's reach answers 404, as if it did not exist -------

async def visible_programme(programme_id: str, service: EnrollmentService, access: Access) -> dict[str, Any]:
    programme = await service.programme(programme_id)
    access.require(f"programme {programme_id}", network_id=programme["network_id"])
    return programme


async def visible_cohort(cohort_id: str, service: EnrollmentService, access: Access) -> dict[str, Any]:
    cohort = await service.cohort(cohort_id)
    access.require(f"cohort {cohort_id}", network_id=cohort["network_id"])
    return cohort


async def visible_application(application_id: str, service: EnrollmentService, access: Access) -> dict[str, Any]:
    application = await service.application(application_id)
    access.require(f"application {application_id}", network_id=application["network_id"],
                   manager_id=application["manager_id"], person_ids=[application["participant_id"]])
    return application


# -- programmes ---------------------------------------------------------------------------

@programmes.post("", status_code=status.HTTP_201_CREATED, response_model=ProgrammePublic,
                 summary="Publish a programme (announced as ProgrammePublished)")
async def publish_programme(body: ProgrammeCreate, service: Service, access: Access) -> ProgrammePublic:
    if not access.sees(network_id=body.network_id):
        raise refuse(f"the caller coordinates no network {body.network_id}")
    data = body.model_dump(mode="json", exclude={"by"})
    return programme_public(await service.publish_programme(data, by=body.by))


@programmes.get("", response_model=list[ProgrammePublic])
async def list_programmes(service: Service, access: Access, offset: Offset = 0, limit: Limit = 50,
                          network_id: str | None = None, archived: bool | None = None) -> list[ProgrammePublic]:
    networks = access.networks(network_id)
    if networks == []:
        return []
    found = await service.programmes(network_id=networks, archived=archived, offset=offset, limit=limit)
    return [programme_public(p) for p in found]


@programmes.get("/{programme_id}", response_model=ProgrammePublic, responses=NOT_FOUND)
async def get_programme(programme_id: str, service: Service, access: Access) -> ProgrammePublic:
    return programme_public(await visible_programme(programme_id, service, access))


@programmes.patch("/{programme_id}", response_model=ProgrammePublic, responses=NOT_FOUND | CONFLICT,
                  summary="Change a programme (announced as ProgrammeUpdated with its whole state)")
async def update_programme(programme_id: str, body: ProgrammeUpdate, service: Service,
                           access: Access) -> ProgrammePublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return programme_public(await service.update_programme(programme_id, body.changes(), by=body.by,
                                                           reason=body.reason))


@programmes.post("/{programme_id}/archive", response_model=ProgrammePublic, responses=NOT_FOUND | CONFLICT,
                 summary="Archive a programme: no new cohorts or applications; kept for the record")
async def archive_programme(programme_id: str, body: Archival, service: Service, access: Access) -> ProgrammePublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return programme_public(await service.archive_programme(programme_id, by=body.by, reason=body.reason))


@programmes.post("/{programme_id}/interest", status_code=status.HTTP_201_CREATED, response_model=InterestPublic,
                 responses=NOT_FOUND | CONFLICT | {200: {"description": "Already registered and still pending"}},
                 summary="Notify me when the next cohort of this programme opens")
async def register_interest(programme_id: str, body: InterestCreate, service: Service, access: Access,
                            response: Response) -> InterestPublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    interest, created = await service.register_interest(programme_id, body.person.model_dump())
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return interest_public(interest)


@programmes.get("/{programme_id}/interest", response_model=list[InterestPublic], responses=NOT_FOUND)
async def list_interest(programme_id: str, service: Service, access: Access, offset: Offset = 0,
                        limit: Limit = 50) -> list[InterestPublic]:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return [interest_public(i) for i in await service.interests(programme_id, offset=offset, limit=limit)]


# -- cohorts ------------------------------------------------------------------------------

@cohorts.post("", status_code=status.HTTP_201_CREATED, response_model=CohortPublic, responses=NOT_FOUND | CONFLICT,
              summary="Announce a cohort of a programme (announced as CohortOpened)")
async def announce_cohort(body: CohortCreate, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        programme = await visible_programme(body.programme_id, service, access)
        if not access.sees(network_id=body.network_id or programme["network_id"]):
            raise refuse(f"the caller coordinates no network {body.network_id}")
    return cohort_public(await service.announce_cohort(body.model_dump(exclude={"by"}), by=body.by))


@cohorts.get("", response_model=list[CohortPublic])
async def list_cohorts(service: Service, access: Access, offset: Offset = 0, limit: Limit = 50,
                       programme_id: str | None = None, network_id: str | None = None, term: str | None = None,
                       status_filter: Annotated[CohortStatus | None, Query(alias="status")] = None,
                       ) -> list[CohortPublic]:
    networks = access.networks(network_id)
    if networks == []:
        return []
    found = await service.cohorts(programme_id=programme_id, network_id=networks, term=term, status=status_filter,
                                  offset=offset, limit=limit)
    return [cohort_public(c) for c in found]


@cohorts.get("/{cohort_id}", response_model=CohortPublic, responses=NOT_FOUND)
async def get_cohort(cohort_id: str, service: Service, access: Access) -> CohortPublic:
    return cohort_public(await visible_cohort(cohort_id, service, access))


@cohorts.patch("/{cohort_id}", response_model=CohortPublic, responses=NOT_FOUND | CONFLICT,
               summary="Change the capacity (announced as CohortCapacityChanged; growth promotes the waitlist)")
async def change_capacity(cohort_id: str, body: CapacityChange, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return cohort_public(await service.change_capacity(cohort_id, body.capacity, by=body.by, reason=body.reason))


@cohorts.post("/{cohort_id}/status", response_model=CohortPublic, responses=NOT_FOUND | CONFLICT | RULE,
              summary="Close, reopen, start or complete the cohort")
async def change_status(cohort_id: str, body: StatusChange, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return cohort_public(await service.change_status(cohort_id, body.status, by=body.by, reason=body.reason))


@cohorts.get("/{cohort_id}/history", response_model=list[HistoryEntry], responses=NOT_FOUND,
             summary="Who changed the cohort's capacity or status, when and why")
async def cohort_history(cohort_id: str, service: Service, access: Access) -> list[HistoryEntry]:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return [HistoryEntry.model_validate(entry) for entry in await service.cohort_history(cohort_id)]


@cohorts.post("/{cohort_id}/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic,
              responses=NOT_FOUND | {409: {"description": "Closed cohort, archived programme, or a duplicate"},
                                     422: {"description": "Invalid, outside the window, or an entry requirement"}})
async def apply(cohort_id: str, body: ApplicationCreate, service: Service, access: Access) -> ApplicationPublic:
    if access.principal is None:
        # The public form: only where the programme takes applications without signing in.
        cohort = await service.cohort(cohort_id)
        if not (await service.programme(cohort["programme_id"])).get("accepts_anonymous_applications"):
            raise HTTPException(401, "this programme takes applications from signed-in applicants only",
                                headers={"WWW-Authenticate": 'Bearer realm="samla"'})
    elif not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return application_public(await service.submit_application(cohort_id, body.model_dump(mode="json")))


@cohorts.get("/{cohort_id}/applications", response_model=list[ApplicationPublic], responses=NOT_FOUND,
             summary="The cohort's applications; status=waitlisted lists the queue in order")
async def list_applications(cohort_id: str, service: Service, access: Access, offset: Offset = 0,
                            limit: Limit = 50,
                            status_filter: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
                            organisation_id: str | None = None) -> list[ApplicationPublic]:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    found = await service.cohort_applications(cohort_id, status=status_filter, offset=offset, limit=limit,
                                              organisation_id=organisation_id)
    return [application_public(a) for a in found]


@cohorts.post("/{cohort_id}/interest", status_code=status.HTTP_201_CREATED, response_model=InterestPublic,
              responses=NOT_FOUND | CONFLICT | {200: {"description": "Already registered and still pending"}},
              summary="Notify me when the next cohort of this cohort's programme opens")
async def register_interest_at_cohort(cohort_id: str, body: InterestCreate, service: Service, access: Access,
                                      response: Response) -> InterestPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    interest, created = await service.register_interest_at_cohort(cohort_id, body.person.model_dump())
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return interest_public(interest)


# -- applications -------------------------------------------------------------------------

@applications.get("/{application_id}", response_model=ApplicationPublic, responses=NOT_FOUND)
async def get_application(application_id: str, service: Service, access: Access) -> ApplicationPublic:
    return application_public(await visible_application(application_id, service, access))


@applications.post("/{application_id}/approval", response_model=ApplicationPublic,
                   responses=NOT_FOUND | CONFLICT | RULE,
                   summary="The named manager approves or declines, with a reason")
async def decide(application_id: str, body: ApprovalDecision, service: Service, access: Access) -> ApplicationPublic:
    if not access.unrestricted:
        application = await service.application(application_id)
        access.require(f"application {application_id}", manager_id=application["manager_id"])
        if body.manager_id != access.person:
            raise refuse("a manager decides in their own name only")
    return application_public(await service.decide(application_id, approve=body.decision == "approve",
                                                   manager_id=body.manager_id, reason=body.reason))


@applications.post("/{application_id}/withdrawal", response_model=ApplicationPublic,
                   responses=NOT_FOUND | CONFLICT,
                   summary="Withdraw; a freed seat goes to the head of the waitlist in the same step")
async def withdraw(application_id: str, body: Withdrawal, service: Service, access: Access) -> ApplicationPublic:
    if not access.unrestricted:
        await visible_application(application_id, service, access)
    return application_public(await service.withdraw(application_id, by=body.by, reason=body.reason))


# -- people -------------------------------------------------------------------------------

@people.get("/{person_id}/contact", response_model=ContactPublic, responses=NOT_FOUND,
            summary="Contact details: for the notifications service (contact_reader client token) and the person")
async def contact(person_id: str, service: Service, access: Access, response: Response) -> ContactPublic:
    access.require(f"person {person_id}", person_ids=[person_id])
    person = await service.contact(person_id)
    # Personal data: never kept by caches or proxies on the way.
    response.headers["Cache-Control"] = "no-store"
    return ContactPublic.model_validate({k: person.get(k) for k in ("name", "email", "phone", "language")}
                                        | {"person_id": person["_id"]})


def erasure_public(record: dict[str, Any]) -> ErasurePublic:
    return ErasurePublic.model_validate({k: v for k, v in record.items() if k in ErasurePublic.model_fields})


@people.post("/{person_id}/erasure", status_code=status.HTTP_202_ACCEPTED, response_model=ErasurePublic,
             responses=NOT_FOUND, tags=["personal data"],
             summary="Erase a person's personal data (platform admin only); idempotent",
             description="Enrollment deletes the person's contact details and interest registrations and strips "
                         "their applications of free text, then announces ParticipantErased (ids only); sessions, "
                         "measures and notifications erase their part when they consume it, hence 202. Asking "
                         "again returns the same erasure record. Role: platform admin.")
async def erase(person_id: str, privacy: Privacy, body: ErasureRequest | None = None) -> ErasurePublic:
    return erasure_public(await privacy.erase(person_id, by=body.by if body else None))


@people.get("/{person_id}/erasure", response_model=ErasurePublic, responses=NOT_FOUND, tags=["personal data"],
            summary="The erasure record of a person (platform admin only)")
async def get_erasure(person_id: str, privacy: Privacy) -> ErasurePublic:
    return erasure_public(await privacy.erasure(person_id))


@people.get("/{person_id}/data", responses=NOT_FOUND, tags=["personal data"],
            summary="Everything enrollment holds about a person, as JSON (access request; platform admin only)",
            description="Sessions, measures and notifications each serve their own part at the same path; "
                        "docs/privacy.md explains why the parts are not merged here.")
async def personal_data(person_id: str, privacy: Privacy) -> JSONResponse:
    found = await privacy.export(person_id)
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})


@retention.post("/run", response_model=RetentionRound, tags=["personal data"],
                summary="Anonymise applications of cohorts completed longer ago than the retention period, now "
                        "(platform admin only; the service also does it periodically; idempotent)")
async def run_retention_now(privacy: Privacy, request: Request) -> RetentionRound:
    settings = request.app.state.runtime.settings
    return RetentionRound.model_validate(
        await privacy.expire_applications(retention=settings.application_retention))


ROUTERS = (programmes, cohorts, applications, people, retention)
