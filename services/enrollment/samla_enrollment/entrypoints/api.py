"""HTTP routes of enrollment: parse, call the service layer, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from samla_enrollment.domain.model import Seating
from samla_enrollment.entrypoints.schemas import (
    ApplicationCreate,
    ApplicationPublic,
    ApprovalDecision,
    CohortCreate,
    CohortPublic,
    ProgrammeCreate,
    ProgrammePublic,
    Withdrawal,
)
from samla_enrollment.service_layer.handlers import EnrollmentService

MAX_PAGE = 200


def get_service(request: Request) -> EnrollmentService:
    return request.app.state.enrollment


Service = Annotated[EnrollmentService, Depends(get_service)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]

programmes = APIRouter(prefix="/programmes", tags=["programmes"])
cohorts = APIRouter(prefix="/cohorts", tags=["cohorts"])
applications = APIRouter(prefix="/applications", tags=["applications"])


def programme_public(doc: dict[str, Any]) -> ProgrammePublic:
    fields = {k: v for k, v in doc.items() if k in ProgrammePublic.model_fields}
    return ProgrammePublic(**fields, id=doc["_id"])


def cohort_public(doc: dict[str, Any]) -> CohortPublic:
    seating = Seating(doc["capacity"], doc["enrolled"], doc["waitlist"])
    fields = {k: v for k, v in doc.items() if k in CohortCreate.model_fields}
    return CohortPublic(
        **fields, id=doc["_id"], network_id=doc["network_id"], status=EnrollmentService.status_of_cohort(doc).value,
        seats_taken=len(seating.enrolled), seats_free=seating.seats_free, waitlist_length=len(seating.waitlist),
    )


def application_public(doc: dict[str, Any]) -> ApplicationPublic:
    fields = {k: v for k, v in doc.items() if k in ApplicationPublic.model_fields}
    return ApplicationPublic(**fields, id=doc["_id"])


@programmes.post("", status_code=status.HTTP_201_CREATED, response_model=ProgrammePublic)
async def publish_programme(body: ProgrammeCreate, service: Service) -> ProgrammePublic:
    return programme_public(await service.publish_programme(body.model_dump(mode="json")))


@programmes.get("", response_model=list[ProgrammePublic])
async def list_programmes(service: Service, offset: Offset = 0, limit: Limit = 50,
                          network_id: str | None = None) -> list[ProgrammePublic]:
    filters = {"network_id": network_id} if network_id else {}
    return [programme_public(p) for p in await service.store.programmes(filters, offset, limit)]


@programmes.get("/{programme_id}", response_model=ProgrammePublic, responses={404: {"description": "Unknown id"}})
async def get_programme(programme_id: str, service: Service) -> ProgrammePublic:
    return programme_public(await service.programme(programme_id))


@cohorts.post("", status_code=status.HTTP_201_CREATED, response_model=CohortPublic)
async def open_cohort(body: CohortCreate, service: Service) -> CohortPublic:
    return cohort_public(await service.open_cohort(body.model_dump()))


@cohorts.get("", response_model=list[CohortPublic])
async def list_cohorts(service: Service, offset: Offset = 0, limit: Limit = 50, programme_id: str | None = None,
                       network_id: str | None = None, term: str | None = None,
                       status_filter: Annotated[str | None, Query(alias="status")] = None) -> list[CohortPublic]:
    filters = {k: v for k, v in (("programme_id", programme_id), ("network_id", network_id), ("term", term)) if v}
    found = [cohort_public(c) for c in await service.store.cohorts(filters, 0 if status_filter else offset,
                                                                    MAX_PAGE * 10 if status_filter else limit)]
    if status_filter:  # status is derived from the clock, so it is filtered after reading
        found = [c for c in found if c.status == status_filter][offset:offset + limit]
    return found


@cohorts.get("/{cohort_id}", response_model=CohortPublic, responses={404: {"description": "Unknown id"}})
async def get_cohort(cohort_id: str, service: Service) -> CohortPublic:
    return cohort_public(await service.cohort(cohort_id))


@cohorts.post("/{cohort_id}/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic,
              responses={404: {"description": "Unknown cohort"}, 409: {"description": "Closed, archived or duplicate"},
                         422: {"description": "Invalid, or outside the application window"}})
async def apply(cohort_id: str, body: ApplicationCreate, service: Service) -> ApplicationPublic:
    return application_public(await service.submit_application(cohort_id, body.model_dump(mode="json")))


@applications.get("/{application_id}", response_model=ApplicationPublic)
async def get_application(application_id: str, service: Service) -> ApplicationPublic:
    return application_public(await service.application(application_id))


@applications.post("/{application_id}/approval", response_model=ApplicationPublic)
async def decide(application_id: str, body: ApprovalDecision, service: Service) -> ApplicationPublic:
    return application_public(await service.decide(application_id, approve=body.decision == "approve",
                                                   manager_id=body.manager_id, reason=body.reason))


@applications.post("/{application_id}/withdrawal", response_model=ApplicationPublic)
async def withdraw(application_id: str, body: Withdrawal, service: Service) -> ApplicationPublic:
    return application_public(await service.withdraw(application_id, reason=body.reason))


ROUTERS = (programmes, cohorts, applications)
