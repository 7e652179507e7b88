"""HTTP routes of progress plans: an organisation's goals with milestones, measured on its units' series."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, Field, model_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.measures import BetterDirection, SeriesKind
from samla_shared.http.auth import Access
from samla_shared.security.access import Hidden
from samla_measures.domain.measure import MeasureStatus
from samla_measures.domain.plans import Plan
from samla_measures.entrypoints.api import REFUSED, DirectoryNames, Limit, Measures, Offset, visible_measure
from samla_measures.entrypoints.schemas import Number, Strict
from samla_measures.entrypoints.unit_scope import check_unit_place
from samla_measures.service_layer.plans import Plans
from samla_measures.service_layer.scope import plan_reach

router = APIRouter(prefix="/plans", tags=["progress plans"])


async def get_plans(request: Request) -> Plans:
    return request.app.state.plans


PlansService = Annotated[Plans, Depends(get_plans)]


class MilestoneCreate(Strict):
    due_on: date
    value: Number


class PlanCreate(Strict):
    network_id: Identifier
    organisation_id: Identifier
    title: str = Field(min_length=1, max_length=200, examples=["Heltidskultur: flere hele stillinger"])
    kind: SeriesKind = Field(description="The indicator, measured on the units' own series.")
    unit_ids: list[Identifier] = Field(min_length=1, max_length=200, description="The units the goal covers.")
    start_value: Number = Field(examples=[40.0])
    target_value: Number = Field(examples=[60.0])
    target_date: date = Field(examples=["2028-12-31"])
    milestones: list[MilestoneCreate] = Field(default_factory=list, max_length=20)
    owner_ids: list[Identifier] = Field(default_factory=list, max_length=10,
                                        description="People told of overdue milestones; defaults to the caller.")

    @model_validator(mode="after")
    def _distinct_units(self) -> "PlanCreate":
        if len(set(self.unit_ids)) != len(self.unit_ids):
            raise ValueError("unit_ids lists a unit twice")
        return self


class PlanMeasureCreate(Strict):
    measure_id: Identifier


class MilestonePublic(BaseModel):
    id: str
    due_on: date
    value: float
    value_at_due: float | None = Field(description="The units' mean at the milestone's month (now, if still ahead).")
    reached: bool
    overdue: bool
    announced: bool = Field(description="MilestoneOverdue was published for it.")


class PlanMeasure(BaseModel):
    id: str
    title: str
    status: MeasureStatus
    adopted_on: date | None = None


class PlanPublic(BaseModel):
    id: str
    network_id: str
    organisation_id: str
    title: str
    kind: SeriesKind
    unit_ids: list[str]
    start_value: float
    target_value: float
    target_date: date
    better: BetterDirection
    owner_ids: list[str]
    current_value: float | None = Field(description="Mean of the units' latest readings.")
    progress_percent: float | None = Field(description="How far from start to target the current value came.")
    target_reached: bool
    units_reporting: int
    milestones: list[MilestonePublic]
    measures: list[PlanMeasure]
    created_by: str | None
    created_at: datetime


def plan_public(plan: Plan, progress: dict[str, Any]) -> PlanPublic:
    fields = {k: getattr(plan, k) for k in ("network_id", "organisation_id", "title", "kind", "unit_ids",
                                            "start_value", "target_value", "target_date", "owner_ids", "created_by",
                                            "created_at")}
    return PlanPublic(id=plan.id, **fields, better=progress["better"], current_value=progress["current_value"],
                      progress_percent=progress["progress_percent"], target_reached=progress["target_reached"],
                      units_reporting=progress["units_reporting"],
                      milestones=[MilestonePublic(**m) for m in progress["milestones"]],
                      measures=[PlanMeasure(id=m.id, title=m.title, status=m.status, adopted_on=m.adopted_on)
                                for m in progress["measures"]])


async def reached_plan(plan_id: str, plans: Plans, access: Access) -> Plan:
    plan = await plans.plan(plan_id)
    if not access.sees(network_id=plan.network_id, organisation_id=plan.organisation_id):
        raise Hidden(f"no plan {plan_id}")
    return plan


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PlanPublic, responses=REFUSED,
             summary="An organisation sets a goal for one indicator, with milestones")
async def create_plan(body: PlanCreate, plans: PlansService, directory: DirectoryNames, access: Access) -> PlanPublic:
    for unit_id in body.unit_ids:
        await check_unit_place(unit_id, body.network_id, body.organisation_id, directory, access)
    plan = await plans.create(body.model_dump(), by=access.person)
    return plan_public(plan, await plans.progress(plan))


@router.get("", response_model=list[PlanPublic])
async def list_plans(plans: PlansService, access: Access, offset: Offset = 0, limit: Limit = 50,
                     organisation_id: Identifier | None = None) -> list[PlanPublic]:
    found = await plans.plans(organisation_id=organisation_id, reach=plan_reach(access), offset=offset, limit=limit)
    return [plan_public(plan, await plans.progress(plan)) for plan in found]


@router.get("/{plan_id}", response_model=PlanPublic, responses={404: {"description": "Unknown plan"}},
            summary="The plan with its progress from the units' series, its milestones and its measures")
async def get_plan(plan_id: Identifier, plans: PlansService, access: Access) -> PlanPublic:
    plan = await reached_plan(plan_id, plans, access)
    return plan_public(plan, await plans.progress(plan))


@router.post("/{plan_id}/measures", response_model=PlanPublic, responses=REFUSED,
             summary="Put one of the organisation's measures under the plan")
async def add_plan_measure(plan_id: Identifier, body: PlanMeasureCreate, plans: PlansService, measures: Measures,
                           access: Access) -> PlanPublic:
    await reached_plan(plan_id, plans, access)
    await visible_measure(body.measure_id, measures, access)
    plan = await plans.add_measure(plan_id, body.measure_id, by=access.person)
    return plan_public(plan, await plans.progress(plan))
