"""HTTP routes of a unit's staff input: the anonymous link, items, priorities, dialogue results, item → measure."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field, model_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.measures import MeasureArea
from samla_shared.http.auth import Access
from samla_shared.http.rate_limit import SharedRateLimit
from samla_measures.domain.unit_input import DialogueResult, Item, ItemSource, ItemStatus, StaffInput, link_hash
from samla_measures.entrypoints.api import (
    REFUSED,
    DirectoryNames,
    Limit,
    Measures,
    Offset,
    check_proposal_place,
    named,
)
from samla_measures.entrypoints.schemas import (
    IndicatorCreate,
    MeasureCreate,
    MeasurePublic,
    OwnerAssignment,
    Strict,
)
from samla_measures.entrypoints.unit_scope import check_unit_place, require_unit_record
from samla_measures.service_layer.scope import party_roles
from samla_measures.service_layer.unit_input import UnitInput

units = APIRouter(prefix="/units", tags=["staff input"])
link = APIRouter(prefix="/input", tags=["staff input"])


async def get_unit_input(request: Request) -> UnitInput:
    return request.app.state.unit_input


async def get_link_limit(request: Request) -> SharedRateLimit:
    return request.app.state.input_link_limit


Input = Annotated[UnitInput, Depends(get_unit_input)]
LinkLimit = Annotated[SharedRateLimit, Depends(get_link_limit)]


# -- schemas -----------------------------------------------------------------------------------

class Place(Strict):
    network_id: Identifier
    organisation_id: Identifier


class ItemText(Strict):
    text: str = Field(min_length=1, max_length=2000, description="The idea or concern, in the staff member's words.")
    area: MeasureArea = Field(description="The measure area it belongs to.")
    kind: Literal["idea", "concern"] = "idea"


class ItemCreate(ItemText, Place):
    pass


class LinkPublic(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored. Share the path with the unit's staff.")
    path: str
    created_at: datetime


class Received(BaseModel):
    id: str
    status: ItemStatus
    submitted_at: datetime


class ItemPublic(BaseModel):
    id: str
    text: str
    area: MeasureArea
    kind: Literal["idea", "concern"]
    source: ItemSource
    submitted_by: str | None = Field(description="The signed-in staff member; None when sent anonymously.")
    submitted_at: datetime
    status: ItemStatus
    rank: int | None
    prioritised_by: str | None
    prioritised_as: str | None
    measure_id: str | None
    session_id: str | None
    dialogue_group: int | None
    keywords: list[str]
    why: str | None


class PriorityCreate(Strict):
    """The parties rank the item (1 is most important) or set it aside."""

    rank: int | None = Field(default=None, ge=1, le=500)
    set_aside: bool = False
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _one(self) -> "PriorityCreate":
        if (self.rank is None) != self.set_aside:
            raise ValueError("give a rank, or set_aside: true, not both")
        return self


class MeasureFromItem(Strict):
    """The measure's own fields; network, organisation, unit, area and the workshop link come from the item."""

    title: str = Field(min_length=1, max_length=200)
    goal: str = Field(min_length=1, max_length=2000)
    area: MeasureArea | None = Field(default=None, description="Defaults to the item's area.")
    method_id: Identifier | None = None
    programme_id: Identifier | None = None
    cohort_id: Identifier | None = None
    facilitator_id: Identifier | None = None
    owners: list[OwnerAssignment] = Field(default_factory=list, max_length=3)
    start_date: date | None = None
    follow_up_every_weeks: int = Field(default=8, ge=1, le=52)
    first_follow_up_after_weeks: int | None = Field(default=None, ge=1, le=104)
    indicators: list[IndicatorCreate] = Field(default_factory=list, max_length=20)
    reason: str | None = Field(default=None, max_length=1000)


class DialogueResultCreate(Place):
    session_id: Identifier = Field(description="The workshop session (sessions' id).")
    group: int = Field(ge=1, le=100, description="The group of four, numbered within the session.")
    keywords: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(min_length=1, max_length=10)
    why: str = Field(min_length=1, max_length=2000, description="Why the key words matter to the group.")
    next_step: str = Field(min_length=1, max_length=2000, description="The next step the group agreed.")
    area: MeasureArea


class DialogueResultPublic(BaseModel):
    id: str
    session_id: str
    group: int
    keywords: list[str]
    why: str
    next_step: str
    area: MeasureArea
    item_id: str = Field(description="The item the next step became in the unit's list.")
    recorded_by: str | None
    recorded_at: datetime


def item_public(item: Item) -> ItemPublic:
    return ItemPublic(**{k: getattr(item, k) for k in ItemPublic.model_fields})


def result_public(result: DialogueResult) -> DialogueResultPublic:
    return DialogueResultPublic(**{k: getattr(result, k) for k in DialogueResultPublic.model_fields})


async def reached(unit_id: str, service: UnitInput, access: Access) -> StaffInput:
    return require_unit_record(await service.unit(unit_id), unit_id, access, "input")


# -- the link and items ------------------------------------------------------------------------

@units.post("/{unit_id}/input-link", status_code=status.HTTP_201_CREATED, response_model=LinkPublic,
            responses=REFUSED, summary="A new secret link for the unit's staff to send input without signing in")
async def new_link(unit_id: Identifier, body: Place, service: Input, directory: DirectoryNames,
                   access: Access) -> LinkPublic:
    await check_unit_place(unit_id, body.network_id, body.organisation_id, directory, access)
    token = await service.new_link(unit_id, (body.network_id, body.organisation_id), access.person)
    return LinkPublic(token=token, path=f"/input/{token}", created_at=service.clock())


@link.post("/{token}", status_code=status.HTTP_201_CREATED, response_model=Received,
           responses={404: {"description": "Not a current link"}, 429: {"description": "Too many from this link"}},
           summary="Staff send an idea or concern through their unit's link (anonymous unless signed in)")
async def send_through_link(token: Annotated[str, Path(min_length=16, max_length=100)], body: ItemText,
                            service: Input, limit: LinkLimit, access: Access) -> Received:
    # Besides the per-address limit of anonymous calls, each link has its own bucket: a shared
    # link posted in public cannot flood the unit's list from many addresses.
    wait = await limit.take(link_hash(token))
    if wait:
        raise HTTPException(429, "too many items through this link; retry later",
                            headers={"Retry-After": str(math.ceil(wait))})
    item = await service.submit_through_link(token, body.model_dump(), by=access.person)
    return Received(id=item.id, status=item.status, submitted_at=item.submitted_at)


@units.post("/{unit_id}/items", status_code=status.HTTP_201_CREATED, response_model=ItemPublic, responses=REFUSED,
            summary="A signed-in member of the unit's staff (or a party) adds an idea or concern")
async def add_item(unit_id: Identifier, body: ItemCreate, service: Input, directory: DirectoryNames,
                   access: Access) -> ItemPublic:
    await check_unit_place(unit_id, body.network_id, body.organisation_id, directory, access)
    return item_public(await service.submit(unit_id, body.model_dump(), by=access.person, source=ItemSource.STAFF,
                                            place=(body.network_id, body.organisation_id)))


@units.get("/{unit_id}/items", response_model=list[ItemPublic], responses={404: {"description": "Unknown unit"}},
           summary="The unit's items: ranked first (by rank), then the rest as they came")
async def list_items(unit_id: Identifier, service: Input, access: Access,
                     status_filter: Annotated[ItemStatus | None, Query(alias="status")] = None,
                     area: MeasureArea | None = None, offset: Offset = 0, limit: Limit = 50) -> list[ItemPublic]:
    await reached(unit_id, service, access)
    found = await service.items(unit_id, status=status_filter, area=area.value if area else None)
    return [item_public(i) for i in found[offset:offset + limit]]


@units.put("/{unit_id}/items/{item_id}/priority", response_model=ItemPublic, responses=REFUSED,
           summary="A party of the unit ranks an item or sets it aside")
async def prioritise(unit_id: Identifier, item_id: Identifier, body: PriorityCreate, service: Input,
                     access: Access) -> ItemPublic:
    await reached(unit_id, service, access)
    roles = party_roles(access)
    item = await service.prioritise(unit_id, item_id, rank=body.rank, reason=body.reason, by=access.person,
                                    as_role=roles[0].value if len(roles) == 1 else None)
    return item_public(item)


@units.post("/{unit_id}/items/{item_id}/measure", status_code=status.HTTP_201_CREATED, response_model=MeasurePublic,
            responses=REFUSED, summary="Propose a prioritised item as a measure of the unit (→ MeasureProposed)")
async def item_to_measure(unit_id: Identifier, item_id: Identifier, body: MeasureFromItem, service: Input,
                          measures: Measures, directory: DirectoryNames, access: Access) -> MeasurePublic:
    unit = await reached(unit_id, service, access)
    item = await service.item(unit_id, item_id)
    fields = body.model_dump(exclude_none=True)
    proposal = MeasureCreate(**{**fields, "network_id": unit.network_id, "organisation_id": unit.organisation_id,
                                "unit_ids": [unit_id], "area": body.area or item.area})
    await check_proposal_place(proposal, directory, access)
    data = proposal.model_dump(exclude={"network_id", "organisation_id", "unit_ids", "session_id", "dialogue_group"})
    return await named(await service.propose_measure(unit_id, item_id, data, by=access.person), measures, directory)


# -- dialogue results --------------------------------------------------------------------------

@units.post("/{unit_id}/dialogue-results", status_code=status.HTTP_201_CREATED, response_model=DialogueResultPublic,
            responses=REFUSED, summary="A workshop group records what the dialogue cloth produced")
async def record_result(unit_id: Identifier, body: DialogueResultCreate, service: Input, directory: DirectoryNames,
                        access: Access) -> DialogueResultPublic:
    await check_unit_place(unit_id, body.network_id, body.organisation_id, directory, access)
    result = await service.record_result(unit_id, body.model_dump(), place=(body.network_id, body.organisation_id),
                                         by=access.person)
    return result_public(result)


@units.get("/{unit_id}/dialogue-results", response_model=list[DialogueResultPublic],
           responses={404: {"description": "Unknown unit"}})
async def list_results(unit_id: Identifier, service: Input, access: Access,
                       session_id: Identifier | None = None, offset: Offset = 0,
                       limit: Limit = 50) -> list[DialogueResultPublic]:
    await reached(unit_id, service, access)
    found = await service.results(unit_id, session_id)
    return [result_public(r) for r in found[offset:offset + limit]]


ROUTERS = (units, link)
