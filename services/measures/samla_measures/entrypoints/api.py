"""HTTP routes of measures: parse, call the service layer, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from samla_shared.contract.measures import MeasureArea
from samla_measures.domain.errors import NotFound
from samla_measures.domain.measure import MeasureStatus, OwnerRole, missing_agreements
from samla_measures.domain.toolbox import CostLevel
from samla_measures.entrypoints.schemas import (
    AdoptionCreate,
    ConsentCreate,
    DiscontinuationCreate,
    EvaluationCreate,
    FollowUpCreate,
    FollowUpPublic,
    IndicatorCreate,
    IndicatorPublic,
    MeasureCreate,
    MeasureEffect,
    MeasurePublic,
    MethodCreate,
    MethodPublic,
    NationalOverview,
    NetworkInsight,
    OwnerPublic,
    UnitEffects,
)
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.national_view import NationalView
from samla_measures.service_layer.toolbox import ToolboxService

MAX_PAGE = 200


def get_measures(request: Request) -> MeasuresService:
    return request.app.state.measures


def get_toolbox(request: Request) -> ToolboxService:
    return request.app.state.toolbox


def get_insight(request: Request) -> InsightProjection:
    return request.app.state.insight


def get_national(request: Request) -> NationalView:
    view = request.app.state.national
    if view is None:
        raise NotFound("this deployment does not run in national mode (MEASURES_NATIONAL_KAFKA_BOOTSTRAP_SERVERS)")
    return view


Measures = Annotated[MeasuresService, Depends(get_measures)]
Toolbox = Annotated[ToolboxService, Depends(get_toolbox)]
Insight = Annotated[InsightProjection, Depends(get_insight)]
National = Annotated[NationalView, Depends(get_national)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]

NOT_FOUND = {404: {"description": "Unknown id"}}
REFUSED = {**NOT_FOUND, 409: {"description": "The measure's state does not allow it"},
           422: {"description": "Invalid input or a broken rule"}}

toolbox = APIRouter(prefix="/toolbox", tags=["toolbox"])
measures = APIRouter(prefix="/measures", tags=["measures"])
units = APIRouter(prefix="/units", tags=["effects"])
networks = APIRouter(prefix="/networks", tags=["insight"])
national = APIRouter(prefix="/national", tags=["national"])


# -- mapping -----------------------------------------------------------------------------------

def method_public(doc: dict[str, Any]) -> MethodPublic:
    return MethodPublic(id=doc["_id"], **{k: doc.get(k) for k in MethodPublic.model_fields if k != "id"})


def measure_public(doc: dict[str, Any], service: MeasuresService) -> MeasurePublic:
    owners = [OwnerPublic(role=role, person_id=doc["owners"].get(role.value),
                          agreed_at=doc["consents"].get(role.value, {}).get("agreed_at")) for role in OwnerRole]
    fields = {k: doc.get(k) for k in MeasurePublic.model_fields if k in doc and k not in ("owners",)}
    return MeasurePublic(**fields, id=doc["_id"], owners=owners, missing_agreements=missing_agreements(doc["consents"]),
                         overdue=service.is_overdue(doc))


def indicator_public(doc: dict[str, Any]) -> IndicatorPublic:
    return IndicatorPublic(**doc)


# -- toolbox -----------------------------------------------------------------------------------

@toolbox.get("", response_model=list[MethodPublic], summary="The shared catalogue, plus a network's own methods")
async def list_methods(service: Toolbox, offset: Offset = 0, limit: Limit = 50, network_id: str | None = None,
                       area: MeasureArea | None = None, cost_level: CostLevel | None = None) -> list[MethodPublic]:
    found = await service.methods(network_id=network_id, area=area.value if area else None,
                                  cost_level=cost_level.value if cost_level else None, offset=offset, limit=limit)
    return [method_public(m) for m in found]


@toolbox.post("", status_code=status.HTTP_201_CREATED, response_model=MethodPublic,
              summary="A coordinator adds a method for their network")
async def add_method(body: MethodCreate, service: Toolbox) -> MethodPublic:
    return method_public(await service.add_method(body.model_dump(mode="json", exclude_none=False)))


@toolbox.get("/{method_id}", response_model=MethodPublic, responses=NOT_FOUND)
async def get_method(method_id: str, service: Toolbox) -> MethodPublic:
    return method_public(await service.method(method_id))


# -- measures ----------------------------------------------------------------------------------

@measures.post("", status_code=status.HTTP_201_CREATED, response_model=MeasurePublic, responses=REFUSED,
               summary="Propose a measure for one or more units")
async def propose(body: MeasureCreate, service: Measures) -> MeasurePublic:
    return measure_public(await service.propose(body.model_dump()), service)


@measures.get("", response_model=list[MeasurePublic])
async def list_measures(
    service: Measures, offset: Offset = 0, limit: Limit = 50, network_id: str | None = None,
    organisation_id: str | None = None, unit_id: str | None = None, area: MeasureArea | None = None,
    status_filter: Annotated[MeasureStatus | None, Query(alias="status")] = None, overdue: bool | None = None,
) -> list[MeasurePublic]:
    found = await service.measures(network_id=network_id, organisation_id=organisation_id, unit_id=unit_id, area=area,
                                   status=status_filter, overdue=overdue, offset=offset, limit=limit)
    return [measure_public(m, service) for m in found]


@measures.get("/{measure_id}", response_model=MeasurePublic, responses=NOT_FOUND)
async def get_measure(measure_id: str, service: Measures) -> MeasurePublic:
    return measure_public(await service.measure(measure_id), service)


@measures.post("/{measure_id}/consents", response_model=MeasurePublic, responses=REFUSED,
               summary="One of the three parties records their agreement")
async def consent(measure_id: str, body: ConsentCreate, service: Measures) -> MeasurePublic:
    return measure_public(await service.consent(measure_id, body.role, body.person_id), service)


@measures.post("/{measure_id}/adoption", response_model=MeasurePublic, responses=REFUSED,
               summary="Adopt the measure; 409 names the parties that have not agreed yet")
async def adopt(measure_id: str, body: AdoptionCreate, service: Measures) -> MeasurePublic:
    adopted = await service.adopt(measure_id, adopted_on=body.adopted_on, first_follow_up_on=body.first_follow_up_on,
                                  reason=body.reason)
    return measure_public(adopted, service)


@measures.post("/{measure_id}/indicators", status_code=status.HTTP_201_CREATED, response_model=IndicatorPublic,
               responses=REFUSED)
async def add_indicator(measure_id: str, body: IndicatorCreate, service: Measures) -> IndicatorPublic:
    return indicator_public(await service.add_indicator(measure_id, body.model_dump()))


@measures.get("/{measure_id}/indicators", response_model=list[IndicatorPublic], responses=NOT_FOUND)
async def list_indicators(measure_id: str, service: Measures) -> list[IndicatorPublic]:
    return [indicator_public(i) for i in (await service.measure(measure_id))["indicators"]]


@measures.post("/{measure_id}/follow-ups", status_code=status.HTTP_201_CREATED, response_model=FollowUpPublic,
               responses=REFUSED)
async def follow_up(measure_id: str, body: FollowUpCreate, service: Measures) -> FollowUpPublic:
    return FollowUpPublic(**await service.follow_up(measure_id, body.model_dump()))


@measures.get("/{measure_id}/follow-ups", response_model=list[FollowUpPublic], responses=NOT_FOUND)
async def list_follow_ups(measure_id: str, service: Measures) -> list[FollowUpPublic]:
    return [FollowUpPublic(**f) for f in await service.follow_ups(measure_id)]


@measures.post("/{measure_id}/evaluation", response_model=MeasurePublic, responses=REFUSED,
               summary="Evaluate and close the measure, with each indicator's change from baseline")
async def evaluate(measure_id: str, body: EvaluationCreate, service: Measures) -> MeasurePublic:
    return measure_public(await service.evaluate(measure_id, body.model_dump()), service)


@measures.post("/{measure_id}/discontinuation", response_model=MeasurePublic, responses=REFUSED)
async def discontinue(measure_id: str, body: DiscontinuationCreate, service: Measures) -> MeasurePublic:
    stopped = await service.discontinue(measure_id, reason=body.reason, discontinued_on=body.discontinued_on)
    return measure_public(stopped, service)


# -- effects and insight -----------------------------------------------------------------------

@units.get("/{unit_id}/effects", response_model=UnitEffects,
           summary="A unit's measures and how each indicator moved across the follow-ups")
async def unit_effects(unit_id: str, service: Measures, network_id: str | None = None) -> UnitEffects:
    effects = await service.unit_effects(unit_id, network_id, limit=MAX_PAGE)
    return UnitEffects(unit_id=unit_id, measures=[
        MeasureEffect(measure_id=e["measure"]["_id"], title=e["measure"]["title"], area=e["measure"]["area"],
                      status=e["measure"]["status"], adopted_on=e["measure"].get("adopted_on"),
                      follow_up_count=e["measure"].get("follow_up_count", 0), indicators=e["indicators"])
        for e in effects
    ])


@networks.get("/{network_id}/insight", response_model=NetworkInsight,
              summary="Activity across a network's member organisations, kept up to date from events")
async def network_insight(network_id: str, insight: Insight) -> NetworkInsight:
    return NetworkInsight(**await insight.insight(network_id))


@national.get("/overview", response_model=NationalOverview, responses=NOT_FOUND,
              summary="Programmes, cohorts, seats, completions and measures by area across every region")
async def national_overview(view: National, region: Annotated[str | None, Query(pattern=r"^[a-z0-9-]+$")] = None,
                            ) -> NationalOverview:
    return NationalOverview(**await view.overview(region))


ROUTERS = (toolbox, measures, units, networks, national)
