"""HTTP routes of competences per staff type: staff types, staff, programmes' competences, coverage and gaps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from samla_shared.contract.base import Identifier
from samla_shared.http.auth import Access
from samla_shared.security.access import Hidden
from samla_measures.domain.competences import MAX_COMPETENCES, CompetenceFrame, ConferredCompetences
from samla_measures.entrypoints.api import REFUSED, DirectoryNames
from samla_measures.entrypoints.schemas import Strict
from samla_measures.service_layer.competences import Competences

organisations = APIRouter(prefix="/organisations", tags=["competences"])
programmes = APIRouter(prefix="/programmes", tags=["competences"])
people = APIRouter(prefix="/people", tags=["competences"])

# Competence and staff type ids are short slugs shared within a network (e.g. "health-promoting-dialogue").
SLUG = r"^[a-z0-9][a-z0-9-]{0,79}$"
Slug = Annotated[str, Field(pattern=SLUG)]
SlugPath = Annotated[str, Path(pattern=SLUG)]


async def get_competences(request: Request) -> Competences:
    return request.app.state.competences


Service = Annotated[Competences, Depends(get_competences)]


class StaffTypeCreate(Strict):
    network_id: Identifier
    name: str = Field(min_length=1, max_length=200, examples=["Social- og sundhedsassistent"])
    competence_ids: list[Slug] = Field(max_length=MAX_COMPETENCES, description="What this staff type must know.")


class StaffAssignment(Strict):
    network_id: Identifier
    staff_type_id: Slug | None = Field(description="The person's staff type; null takes them off the list.")


class ProgrammeCompetencesCreate(Strict):
    network_id: Identifier
    competence_ids: list[Slug] = Field(max_length=MAX_COMPETENCES,
                                       description="What completing the programme (or theme day) confers.")


class StaffTypePublic(BaseModel):
    id: str
    name: str
    competence_ids: list[str]
    members: int


class FramePublic(BaseModel):
    organisation_id: str
    network_id: str
    staff_types: list[StaffTypePublic]


class CompetenceCoverage(BaseModel):
    competence_id: str
    holders: int
    coverage_percent: float | None


class Gap(BaseModel):
    person_id: str
    missing: list[str]


class StaffTypeCoverage(BaseModel):
    staff_type_id: str
    name: str
    required: list[str]
    members: int
    fully_covered: int = Field(description="Members holding every required competence.")
    coverage_percent: float | None
    competences: list[CompetenceCoverage]
    gaps: list[Gap] = Field(description="Members missing a required competence, and which.")


class CoveragePublic(BaseModel):
    organisation_id: str
    organisation_name: str | None = None
    staff_types: list[StaffTypeCoverage]


class ProgrammeCompetencesPublic(BaseModel):
    programme_id: str
    network_id: str
    competence_ids: list[str]


class HeldCompetence(BaseModel):
    competence_id: str
    programme_id: str
    cohort_id: str
    completed_at: datetime


class PersonCompetences(BaseModel):
    person_id: str
    competences: list[HeldCompetence]


def frame_public(frame: CompetenceFrame) -> FramePublic:
    counts: dict[str, int] = {}
    for staff_type in frame.staff.values():
        counts[staff_type] = counts.get(staff_type, 0) + 1
    return FramePublic(organisation_id=frame.organisation_id, network_id=frame.network_id, staff_types=[
        StaffTypePublic(id=t, name=v.name, competence_ids=v.competence_ids, members=counts.get(t, 0))
        for t, v in sorted(frame.staff_types.items())])


def conferred_public(conferred: ConferredCompetences) -> ProgrammeCompetencesPublic:
    return ProgrammeCompetencesPublic(programme_id=conferred.programme_id, network_id=conferred.network_id,
                                      competence_ids=conferred.competence_ids)


async def check_organisation(organisation_id: str, network_id: str, directory: DirectoryNames, access: Access) -> None:
    access.require(f"organisation {organisation_id}", network_id=network_id, organisation_id=organisation_id)
    placement = await directory.placement(organisation_id, [])
    if placement.organisation_network not in (None, network_id):
        raise Hidden(f"no organisation {organisation_id} in network {network_id}")


@organisations.put("/{organisation_id}/staff-types/{staff_type_id}", response_model=FramePublic, responses=REFUSED,
                   summary="Define a staff type of the organisation and the competences it requires")
async def define_staff_type(organisation_id: Identifier, staff_type_id: SlugPath, body: StaffTypeCreate,
                            service: Service, directory: DirectoryNames, access: Access) -> FramePublic:
    await check_organisation(organisation_id, body.network_id, directory, access)
    return frame_public(await service.define_staff_type(organisation_id, body.network_id, staff_type_id,
                                                        name=body.name,
                                                        competence_ids=list(dict.fromkeys(body.competence_ids))))


@organisations.put("/{organisation_id}/staff/{person_id}", response_model=FramePublic, responses=REFUSED,
                   summary="Place a member of staff in one of the organisation's staff types")
async def assign_staff(organisation_id: Identifier, person_id: Identifier, body: StaffAssignment, service: Service,
                       directory: DirectoryNames, access: Access) -> FramePublic:
    await check_organisation(organisation_id, body.network_id, directory, access)
    return frame_public(await service.assign(organisation_id, body.network_id, person_id, body.staff_type_id))


@organisations.get("/{organisation_id}/competence-coverage", response_model=CoveragePublic,
                   responses={404: {"description": "No staff types, or out of reach"}},
                   summary="Per staff type: members, how many hold each required competence, and the gaps")
async def coverage(organisation_id: Identifier, service: Service, directory: DirectoryNames,
                   access: Access) -> CoveragePublic:
    frame = await service.frame(organisation_id)
    access.require(f"organisation {organisation_id}", network_id=frame.network_id, organisation_id=organisation_id)
    names = await directory.names(organisations=[organisation_id])
    return CoveragePublic(organisation_id=organisation_id, organisation_name=names.organisations.get(organisation_id),
                          staff_types=[StaffTypeCoverage(**c) for c in await service.coverage(frame)])


@programmes.put("/{programme_id}/competences", response_model=ProgrammeCompetencesPublic, responses=REFUSED,
                summary="The competences completing a programme or theme day confers (for completions from now on)")
async def set_programme_competences(programme_id: Identifier, body: ProgrammeCompetencesCreate, service: Service,
                                    access: Access) -> ProgrammeCompetencesPublic:
    access.require(f"network {body.network_id}", network_id=body.network_id)
    return conferred_public(await service.set_programme(programme_id, body.network_id,
                                                        list(dict.fromkeys(body.competence_ids))))


@programmes.get("/{programme_id}/competences", response_model=ProgrammeCompetencesPublic,
                responses={404: {"description": "None set"}})
async def programme_competences(programme_id: Identifier, service: Service,
                                access: Access) -> ProgrammeCompetencesPublic:
    conferred = await service.programme(programme_id)
    if conferred is None or not access.sees(network_id=conferred.network_id):
        raise Hidden(f"no competences set for programme {programme_id}")
    return conferred_public(conferred)


@people.get("/{person_id}/competences", response_model=PersonCompetences,
            responses={404: {"description": "Out of reach"}},
            summary="The competences a person holds, each with the completion that conferred it")
async def person_competences(person_id: Identifier, service: Service, access: Access) -> PersonCompetences:
    person = await service.person(person_id)
    completions = person.completions if person else {}
    if not access.unrestricted and not access.sees(person_ids=[person_id]) and not any(
            access.sees(network_id=c.network_id, organisation_id=c.organisation_id)
            for c in completions.values()):
        raise Hidden(f"no person {person_id}")
    held = [HeldCompetence(competence_id=c, programme_id=v.programme_id, cohort_id=cohort,
                           completed_at=v.completed_at)
            for cohort, v in sorted(completions.items()) for c in v.competence_ids]
    return PersonCompetences(person_id=person_id, competences=held)


ROUTERS = (organisations, programmes, people)
