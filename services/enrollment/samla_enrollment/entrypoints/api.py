"""HTTP routes of enrollment: parse, call the service layer, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from samla_shared.http.auth import Access, refuse
from samla_shared.security.access import Grant, Hidden
from samla_shared.security.principal import Role

from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.access_rules import (
    awaits_decision_of,
    in_leader_inbox,
    leads_application,
    readable_contacts,
)
from samla_enrollment.domain.approvals import current_step, holds_step
from samla_enrollment.domain.cohorts import CohortStatus
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.identity import (
    as_signed_in,
    hidden_from_anonymous,
    require_named,
    takes_anonymous_applications,
)
from samla_enrollment.entrypoints.identity import (
    SIGN_IN,
    acts_for_others,
    in_scope,
    reaches_application,
    signed_in,
)
from samla_enrollment.entrypoints.mapping import (
    CONTACT_FIELDS,
    application_public,
    cohort_public,
    contact_public,
    erasure_public,
    interest_public,
    programme_public,
    public,
)
from samla_enrollment.entrypoints.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApprovalDecision,
    Archival,
    CapacityChange,
    CohortCreate,
    CohortPublic,
    ContactPublic,
    ContactsPublic,
    ContactsQuery,
    ErasurePublic,
    ErasureRequest,
    HistoryEntry,
    InterestCreate,
    InterestPublic,
    LeaderInbox,
    Me,
    OfferAnswer,
    ParticipantApplication,
    ParticipantInbox,
    PendingSettlement,
    ProgrammeCreate,
    ProgrammePublic,
    ProgrammeUpdate,
    Received,
    RegionalInterest,
    RetentionRound,
    SeatOfferRequest,
    StatusChange,
    TeamApplicationCreate,
    TeamPublic,
    Transfer,
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

programmes = APIRouter(prefix="/programmes", tags=["programmes"], dependencies=SIGN_IN)
cohorts = APIRouter(prefix="/cohorts", tags=["cohorts"], dependencies=SIGN_IN)
applications = APIRouter(prefix="/applications", tags=["applications"], dependencies=SIGN_IN)
people = APIRouter(prefix="/people", tags=["people"], dependencies=SIGN_IN)
retention = APIRouter(prefix="/retention", tags=["personal data"], dependencies=SIGN_IN)
inbox = APIRouter(prefix="/inbox", tags=["inboxes"], dependencies=SIGN_IN)


async def applications_named(service: EnrollmentService, docs: list[dict[str, Any]],
                             model: type = ApplicationPublic) -> list[Any]:
    """Applications with the names of their organisation and unit, and their applicant's contact details (every
    route calling this has checked that the caller reaches these applications)."""
    named = await service.named(await service.with_applicants(docs), organisation_id="organisations",
                                unit_id="units")
    return [public(model, a) for a in named]


async def cohorts_named(service: EnrollmentService, docs: list[dict[str, Any]]) -> list[CohortPublic]:
    return [cohort_public(c) for c in await service.named(docs, network_id="networks")]


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
    if not await reaches_application(application, service, access):
        raise Hidden(f"no application {application_id}")
    return application


async def interested(body: InterestCreate, service: EnrollmentService, access: Grant) -> dict[str, Any]:
    """Who registers interest: the person the token names, unless a coordinator registers someone else."""
    if acts_for_others(access):
        if body.person is None:
            raise RuleViolation("name the person who is interested (`person`)")
        return body.person.model_dump()
    me = await signed_in(service, access)
    await service.people.require_address(me)  # a registration nobody can be told of helps no one
    return {"person_id": me.id}


# -- programmes ---------------------------------------------------------------------------

@programmes.post("", status_code=status.HTTP_201_CREATED, response_model=ProgrammePublic,
                 summary="Publish a programme (announced as ProgrammePublished)")
async def publish_programme(body: ProgrammeCreate, service: Service, access: Access) -> ProgrammePublic:
    if not access.sees(network_id=body.network_id):
        raise refuse(f"the caller coordinates no network {body.network_id}")
    data = body.model_dump(mode="json", exclude={"by"})
    return programme_public(await service.publish_programme(data, by=access.person))


@programmes.get("", response_model=list[ProgrammePublic])
async def list_programmes(service: Service, access: Access, offset: Offset = 0, limit: Limit = 50,
                          network_id: str | None = None, archived: bool | None = None) -> list[ProgrammePublic]:
    networks = access.networks(network_id)
    if networks == []:
        return []
    found = await service.programmes(network_id=networks, archived=archived, offset=offset, limit=limit)
    return [programme_public(p) for p in await service.named(found, network_id="networks")]


@programmes.get("/{programme_id}", response_model=ProgrammePublic, responses=NOT_FOUND)
async def get_programme(programme_id: str, service: Service, access: Access) -> ProgrammePublic:
    [shown] = await service.named([await visible_programme(programme_id, service, access)], network_id="networks")
    return programme_public(shown)


@programmes.patch("/{programme_id}", response_model=ProgrammePublic, responses=NOT_FOUND | CONFLICT,
                  summary="Change a programme (announced as ProgrammeUpdated with its whole state)")
async def update_programme(programme_id: str, body: ProgrammeUpdate, service: Service,
                           access: Access) -> ProgrammePublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return programme_public(await service.update_programme(programme_id, body.changes(), by=access.person,
                                                           reason=body.reason))


@programmes.post("/{programme_id}/archive", response_model=ProgrammePublic, responses=NOT_FOUND | CONFLICT,
                 summary="Archive a programme: no new cohorts or applications; kept for the record")
async def archive_programme(programme_id: str, body: Archival, service: Service, access: Access) -> ProgrammePublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return programme_public(await service.archive_programme(programme_id, by=access.person, reason=body.reason))


@programmes.post("/{programme_id}/interest", status_code=status.HTTP_201_CREATED, response_model=InterestPublic,
                 responses=NOT_FOUND | CONFLICT | {200: {"description": "Already registered and still pending"}},
                 summary="Notify me when the next cohort of this programme opens")
async def register_interest(programme_id: str, body: InterestCreate, service: Service, access: Access,
                            response: Response) -> InterestPublic:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    interest, created = await service.register_interest(programme_id, await interested(body, service, access),
                                                         region=body.region)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return interest_public(interest)


@programmes.get("/{programme_id}/interest", response_model=list[InterestPublic], responses=NOT_FOUND)
async def list_interest(programme_id: str, service: Service, access: Access, offset: Offset = 0,
                        limit: Limit = 50) -> list[InterestPublic]:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    return [interest_public(i) for i in await service.interests(programme_id, offset=offset, limit=limit)]


@programmes.get("/{programme_id}/interest/regions", response_model=list[RegionalInterest], responses=NOT_FOUND,
                summary="Where people would like the next cohort to run: registrations per region")
async def interest_by_region(programme_id: str, service: Service, access: Access, offset: Offset = 0,
                             limit: Limit = 50) -> list[RegionalInterest]:
    if not access.unrestricted:
        await visible_programme(programme_id, service, access)
    rows = await service.interest_by_region(programme_id)
    return [RegionalInterest.model_validate(row) for row in rows[offset:offset + limit]]


# -- cohorts ------------------------------------------------------------------------------

@cohorts.post("", status_code=status.HTTP_201_CREATED, response_model=CohortPublic, responses=NOT_FOUND | CONFLICT,
              summary="Announce a cohort of a programme (announced as CohortOpened)")
async def announce_cohort(body: CohortCreate, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        programme = await visible_programme(body.programme_id, service, access)
        if not access.sees(network_id=body.network_id or programme["network_id"]):
            raise refuse(f"the caller coordinates no network {body.network_id}")
    return cohort_public(await service.announce_cohort(body.model_dump(exclude={"by"}), by=access.person))


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
    return await cohorts_named(service, found)


@cohorts.get("/{cohort_id}", response_model=CohortPublic, responses=NOT_FOUND)
async def get_cohort(cohort_id: str, service: Service, access: Access) -> CohortPublic:
    [shown] = await cohorts_named(service, [await visible_cohort(cohort_id, service, access)])
    return shown


@cohorts.patch("/{cohort_id}", response_model=CohortPublic, responses=NOT_FOUND | CONFLICT,
               summary="Change the capacity (announced as CohortCapacityChanged; growth promotes the waitlist)")
async def change_capacity(cohort_id: str, body: CapacityChange, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return cohort_public(await service.change_capacity(cohort_id, body.capacity, by=access.person,
                                                       reason=body.reason))


@cohorts.post("/{cohort_id}/status", response_model=CohortPublic, responses=NOT_FOUND | CONFLICT | RULE,
              summary="Close, reopen, start or complete the cohort")
async def change_status(cohort_id: str, body: StatusChange, service: Service, access: Access) -> CohortPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return cohort_public(await service.change_status(cohort_id, body.status, by=access.person, reason=body.reason))


@cohorts.post("/{cohort_id}/teams", status_code=status.HTTP_201_CREATED, response_model=TeamPublic,
              responses=NOT_FOUND | CONFLICT | RULE,
              summary="A unit applies as a team (leader, union and safety representative, more): seated together "
                      "if there is room for all, else waiting as one place; the manager decides once for all")
async def apply_as_team(cohort_id: str, body: TeamApplicationCreate, service: Service, access: Access) -> TeamPublic:
    cohort = await service.cohort(cohort_id)
    if not access.unrestricted and not access.sees(network_id=cohort["network_id"], organisation_id=body.organisation_id,
                                                   unit_ids=[body.unit_id]):
        raise refuse("a team is registered by a leader of its unit or a coordinator of the cohort's network")
    members = await service.submit_team(cohort_id, body.model_dump(mode="json"))
    shown = await applications_named(service, members)
    first = shown[0]
    return TeamPublic(team_id=members[0]["team_id"], cohort_id=cohort_id, status=first.status,
                      waitlist_position=first.waitlist_position, applications=shown)


@cohorts.post("/{cohort_id}/seat-offers", response_model=ApplicationPublic, responses=NOT_FOUND | CONFLICT,
              summary="Offer one free seat to the head of the waitlist (after the start, the coordinator's call); "
                      "announced as SeatOffered, recorded as the caller")
async def offer_free_seat(cohort_id: str, body: SeatOfferRequest, service: Service, access: Access
                          ) -> ApplicationPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return application_public(await service.offer_free_seat(cohort_id, by=access.person, reason=body.reason))


@cohorts.get("/{cohort_id}/history", response_model=list[HistoryEntry], responses=NOT_FOUND,
             summary="Who changed the cohort's capacity or status, when and why")
async def cohort_history(cohort_id: str, service: Service, access: Access) -> list[HistoryEntry]:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    return [HistoryEntry.model_validate(entry) for entry in await service.cohort_history(cohort_id)]


RECEIVED = {"status": "received",
            "detail": "Thank you: the application is received. You will hear from us by e-mail."}


@cohorts.post("/{cohort_id}/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic,
              responses=NOT_FOUND | {
                  202: {"model": Received,
                        "description": "The anonymous public form: received (the same answer for a new application "
                                       "and for an address that applied already, which reveals nothing)"},
                  409: {"description": "Closed cohort, archived programme, or a duplicate"},
                  422: {"description": "Invalid, outside the window, or an entry requirement"}},
              summary="Apply: signed in as a participant, as the person the token names; a coordinator may "
                      "register a paper form for someone; the anonymous public form where the programme allows")
async def apply(cohort_id: str, body: ApplicationCreate, service: Service, access: Access) -> Any:
    form = body.model_dump(mode="json")
    if access.principal is None:
        # The public form: only where the programme takes applications without signing in.
        cohort = await service.cohort(cohort_id)
        if not takes_anonymous_applications(await service.programme(cohort["programme_id"])):
            raise HTTPException(401, "this programme takes applications from signed-in applicants only",
                                headers={"WWW-Authenticate": 'Bearer realm="samla"'})
        require_named(form["participant"])
        try:
            await service.submit_application(cohort_id, form)
        except Conflict as refusal:
            if not hidden_from_anonymous(refusal):
                raise
        return JSONResponse(RECEIVED, status_code=status.HTTP_202_ACCEPTED)
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    if acts_for_others(access):
        require_named(form["participant"])
        return application_public(await service.submit_application(cohort_id, form))
    # Signed in as an applicant: the person the token names applies, whatever the form says.
    me = await signed_in(service, access)
    email = await service.people.require_address(me)
    me = await service.people.update_own(me, form["participant"])
    form["participant"] = as_signed_in(form["participant"], me.person, email)
    return application_public(await service.submit_application(cohort_id, form, participant_id=me.id))


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
    return await applications_named(service, found)


@cohorts.post("/{cohort_id}/interest", status_code=status.HTTP_201_CREATED, response_model=InterestPublic,
              responses=NOT_FOUND | CONFLICT | {200: {"description": "Already registered and still pending"}},
              summary="Notify me when the next cohort of this cohort's programme opens")
async def register_interest_at_cohort(cohort_id: str, body: InterestCreate, service: Service, access: Access,
                                      response: Response) -> InterestPublic:
    if not access.unrestricted:
        await visible_cohort(cohort_id, service, access)
    interest, created = await service.register_interest_at_cohort(cohort_id, await interested(body, service, access),
                                                                   region=body.region)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return interest_public(interest)


# -- applications -------------------------------------------------------------------------

@applications.get("/{application_id}", response_model=ApplicationPublic, responses=NOT_FOUND)
async def get_application(application_id: str, service: Service, access: Access) -> ApplicationPublic:
    [shown] = await applications_named(service, [await visible_application(application_id, service, access)])
    return shown


@applications.post("/{application_id}/approval", response_model=ApplicationPublic,
                   responses=NOT_FOUND | CONFLICT | RULE,
                   summary="A leader of the applicant's organisation or unit, or the named manager, approves or "
                           "declines (a decline needs a reason); recorded as the caller")
async def decide(application_id: str, body: ApprovalDecision, service: Service, access: Access) -> ApplicationPublic:
    step = None
    if not access.unrestricted:
        step, holds = await holds_current_step(application_id, service, access)
        if not holds:
            raise refuse("this step of the application's approval chain is someone else's to decide")
        mine = (await signed_in(service, access)).person_ids
        if body.manager_id is not None and body.manager_id not in mine:
            raise refuse("a manager decides in their own name only")
    return application_public(await service.decide(application_id, approve=body.decision == "approve",
                                                   by=access.person, reason=body.reason, step=step))


async def holds_current_step(application_id: str, service: EnrollmentService, access: Access) -> tuple[int, bool]:
    """The chain step waiting for a decision, and whether the caller holds it: its deputies always; the leader
    step a leader reaching the application (as for a single approval); the other steps the people they name."""
    application = await service.application(application_id)
    if not await reaches_application(application, service, access):
        raise Hidden(f"no application {application_id}")
    index, step = current_step(application)
    mine = (await signed_in(service, access)).person_ids
    leader = leads_application(
        application, mine, in_scope=in_scope(application, access),
        is_leader=access.principal is not None and access.principal.has(Role.ORGANISATION_LEADER))
    return index, holds_step(step, mine, reaches_as_leader=leader)


@applications.post("/{application_id}/withdrawal", response_model=ApplicationPublic,
                   responses=NOT_FOUND | CONFLICT,
                   summary="Withdraw; a freed seat goes to the head of the waitlist in the same step (as an offer "
                           "when the programme sets offer_days; held for the coordinator once the cohort started)")
async def withdraw(application_id: str, body: Withdrawal, service: Service, access: Access) -> ApplicationPublic:
    if not access.unrestricted:
        await visible_application(application_id, service, access)
    return application_public(await service.withdraw(application_id, by=access.person, reason=body.reason))


@applications.post("/{application_id}/offer", response_model=ApplicationPublic, responses=NOT_FOUND | CONFLICT,
                   summary="Accept or decline the seat on offer (the applicant, or a coordinator for them); "
                           "a declined seat moves on to the next in the queue")
async def answer_offer(application_id: str, body: OfferAnswer, service: Service, access: Access) -> ApplicationPublic:
    if not access.unrestricted:
        await visible_application(application_id, service, access)
    return application_public(await service.answer_offer(application_id, accept=body.answer == "accept",
                                                         by=access.person, reason=body.reason))


@applications.post("/{application_id}/transfer", response_model=ApplicationPublic,
                   responses=NOT_FOUND | CONFLICT | RULE,
                   summary="Move an enrolled or waitlisted participant to another cohort of the programme, or defer "
                           "to the next that opens, approvals kept (→ ParticipantTransferred); the freed seat moves "
                           "on as any freed seat does")
async def transfer(application_id: str, body: Transfer, service: Service, access: Access) -> ApplicationPublic:
    if not access.unrestricted:
        await visible_application(application_id, service, access)
    return application_public(await service.transfer(application_id, to_cohort_id=body.cohort_id, by=access.person,
                                                     reason=body.reason))


# -- people -------------------------------------------------------------------------------

async def me_public(service: EnrollmentService, access: Grant) -> Me:
    me = await signed_in(service, access)
    person = await service.contact(me.id)
    return Me.model_validate({k: person.get(k) for k in CONTACT_FIELDS} | {
        "person_id": me.id, "linked_person_ids": person.get("linked_person_ids", []),
        "pending_changes": await service.people.pending_changes(me)})


@people.get("/me", response_model=Me, summary="Who I am in Samla: my details, and changes a form proposed")
async def who_am_i(service: Service, access: Access, response: Response) -> Me:
    response.headers["Cache-Control"] = "no-store"
    return await me_public(service, access)


@people.post("/me/pending-changes", response_model=Me,
             summary="Confirm (or drop) the details a form proposed for me; nothing changed until now")
async def settle_pending_changes(body: PendingSettlement, service: Service, access: Access) -> Me:
    await service.people.settle_pending(await signed_in(service, access), confirm=body.confirm)
    return await me_public(service, access)


@people.post("/contacts", response_model=ContactsPublic,
             summary="Contact details of many people at once: the notifications service asks once per batch of "
                     "events it mails about, instead of once per mail",
             description="The same details and the same rule as `GET /people/{person_id}/contact`: a contact_reader "
                         "client reads anyone's, a person only their own. Ids enrollment does not know, or the "
                         "caller may not read, are left out of the answer rather than failing it.")
async def contacts(body: ContactsQuery, service: Service, access: Access, response: Response) -> ContactsPublic:
    wanted = list(dict.fromkeys(body.person_ids))
    if not access.unrestricted:
        wanted = readable_contacts(wanted, (await signed_in(service, access)).person_ids)
    found = await service.people.names(wanted)
    response.headers["Cache-Control"] = "no-store"
    return ContactsPublic(contacts=[contact_public(found[i]) for i in wanted if i in found])


@people.get("/{person_id}/contact", response_model=ContactPublic, responses=NOT_FOUND,
            summary="Contact details: for the notifications service (contact_reader client token) and the person")
async def contact(person_id: str, service: Service, access: Access, response: Response) -> ContactPublic:
    if not access.unrestricted and person_id not in (await signed_in(service, access)).person_ids:
        raise Hidden(f"no person {person_id}")
    person = await service.contact(person_id)
    # Personal data: never kept by caches or proxies on the way.
    response.headers["Cache-Control"] = "no-store"
    return contact_public(person)


@people.post("/{person_id}/erasure", status_code=status.HTTP_202_ACCEPTED, response_model=ErasurePublic,
             responses=NOT_FOUND, tags=["personal data"],
             summary="Erase a person's personal data (platform admin only); idempotent",
             description="Enrollment deletes the person's contact details and interest registrations and strips "
                         "their applications of free text, then announces ParticipantErased (ids only); sessions, "
                         "measures and notifications erase their part when they consume it, hence 202. Asking "
                         "again returns the same erasure record. Role: platform admin.")
async def erase(person_id: str, privacy: Privacy, access: Access, body: ErasureRequest | None = None) -> ErasurePublic:
    return erasure_public(await privacy.erase(person_id, by=access.person))


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


# -- inboxes ------------------------------------------------------------------------------

INBOX_SIZE = 200


@inbox.get("/leader", response_model=LeaderInbox,
           summary="A leader's applications awaiting their decision, and their employees' applications with status")
async def leader_inbox(service: Service, access: Access, response: Response) -> LeaderInbox:
    assert access.principal is not None
    me = await signed_in(service, access)
    found = await service.applications_for_leader(me.person_ids, access.principal.organisation_ids,
                                                  limit=INBOX_SIZE)
    # The organisation filter is coarse: a token naming units narrows it to those units.
    reached = [a for a in found if in_leader_inbox(
        a, me.person_ids, in_scope=access.sees(organisation_id=a["organisation_id"], unit_ids=[a["unit_id"]]))]
    shown = await applications_named(service, reached)
    response.headers["Cache-Control"] = "no-store"
    # Awaiting *their* decision: at the leader step of the application's chain, or at a step naming them.
    waiting = [a for a in shown if awaits_decision_of(a.status.value, a.current_step,
                                                      [step.model_dump() for step in a.approval_steps or ()],
                                                      me.person_ids)]
    return LeaderInbox(awaiting_decision=waiting, employees=shown)


@inbox.get("/participant", response_model=ParticipantInbox,
           summary="The caller's own applications: status, waitlist place, cohort and programme")
async def participant_inbox(service: Service, access: Access, response: Response) -> ParticipantInbox:
    me = await signed_in(service, access)
    found = await service.applications_of(me.person_ids, limit=INBOX_SIZE)
    shown = await applications_named(service, await service.with_cohorts(found), ParticipantApplication)
    response.headers["Cache-Control"] = "no-store"
    return ParticipantInbox(applications=shown)


ROUTERS = (programmes, cohorts, applications, people, retention, inbox)
