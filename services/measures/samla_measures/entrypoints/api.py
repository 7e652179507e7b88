"""HTTP routes of measures: parse, call the service layer, map the result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from samla_shared.http.auth import Access, refuse
from samla_shared.security.access import Hidden, Reach

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


# -- scope: a measure outside the caller's network, organisation or unit answers 404 ------------

async def visible_measure(measure_id: str, service: MeasuresService, access: Access) -> None:
    if access.unrestricted:
        return  # the handler finds out whether it exists; no second read for an admin
    measure = await service.measure(measure_id)
    access.require(f"measure {measure_id}", network_id=measure["network_id"],
                   organisation_id=measure["organisation_id"], unit_ids=measure["unit_ids"],
                   person_ids=[p for p in measure["owners"].values() if p])


def scoped_filters(access: Access, network_id: str | None, organisation_id: str | None,
                   unit_id: str | None) -> dict[str, str | list[str] | None] | None:
    """The list filters within the caller's scope; None when nothing can match."""
    wanted: dict[str, str | list[str] | None] = {"network_id": network_id, "organisation_id": organisation_id,
                                                 "unit_id": unit_id}
    p = access.principal
    if access.unrestricted or p is None:
        return wanted
    if Reach.NETWORK in access.reaches:
        wanted["network_id"] = access.networks(network_id)
        return None if wanted["network_id"] == [] else wanted
    for key, mine in (("organisation_id", p.organisation_ids), ("unit_id", p.unit_ids)):
        if not mine and key == "unit_id":
            continue  # a leader of the whole organisation
        given = wanted[key]
        if given is not None and given not in mine:
            return None
        wanted[key] = given if given is not None else sorted(mine)
    return wanted


# -- toolbox -----------------------------------------------------------------------------------

@toolbox.get("", response_model=list[MethodPublic], summary="The shared catalogue, plus a network's own methods")
async def list_methods(service: Toolbox, offset: Offset = 0, limit: Limit = 50, network_id: str | None = None,
                       area: MeasureArea | None = None, cost_level: CostLevel | None = None) -> list[MethodPublic]:
    found = await service.methods(network_id=network_id, area=area.value if area else None,
                                  cost_level=cost_level.value if cost_level else None, offset=offset, limit=limit)
    return [method_public(m) for m in found]


@toolbox.post("", status_code=status.HTTP_201_CREATED, response_model=MethodPublic,
              summary="A coordinator adds a method for their network")
async def add_method(body: MethodCreate, service: Toolbox, access: Access) -> MethodPublic:
    if not access.sees(network_id=body.network_id):
        raise refuse(f"the caller coordinates no network {body.network_id}")
    return method_public(await service.add_method(body.model_dump(mode="json", exclude_none=False)))


@toolbox.get("/{method_id}", response_model=MethodPublic, responses=NOT_FOUND)
async def get_method(method_id: str, service: Toolbox) -> MethodPublic:
    return method_public(await service.method(method_id))


# -- measures ----------------------------------------------------------------------------------

@measures.post("", status_code=status.HTTP_201_CREATED, response_model=MeasurePublic, responses=REFUSED,
               summary="Propose a measure for one or more units")
async def propose(body: MeasureCreate, service: Measures, access: Access) -> MeasurePublic:
    if not access.sees(network_id=body.network_id, organisation_id=body.organisation_id, unit_ids=body.unit_ids):
        raise refuse("the caller may not propose measures for this network, organisation or unit")
    return measure_public(await service.propose(body.model_dump()), service)


@measures.get("", response_model=list[MeasurePublic])
async def list_measures(
    service: Measures, access: Access, offset: Offset = 0, limit: Limit = 50, network_id: str | None = None,
    organisation_id: str | None = None, unit_id: str | None = None, area: MeasureArea | None = None,
    status_filter: Annotated[MeasureStatus | None, Query(alias="status")] = None, overdue: bool | None = None,
) -> list[MeasurePublic]:
    scope = scoped_filters(access, network_id, organisation_id, unit_id)
    if scope is None:
        return []
    found = await service.measures(**scope, area=area, status=status_filter,  # type: ignore[arg-type]
                                   overdue=overdue, offset=offset, limit=limit)
    return [measure_public(m, service) for m in found]


@measures.get("/{measure_id}", response_model=MeasurePublic, responses=NOT_FOUND)
async def get_measure(measure_id: str, service: Measures, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    return measure_public(await service.measure(measure_id), service)


@measures.post("/{measure_id}/consents", response_model=MeasurePublic, responses=REFUSED,
               summary="One of the three parties records their agreement")
async def consent(measure_id: str, body: ConsentCreate, service: Measures, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    if access.only(Reach.OWN) and body.person_id != access.person:
        raise refuse("a representative records their own agreement only")
    return measure_public(await service.consent(measure_id, body.role, body.person_id), service)


@measures.post("/{measure_id}/adoption", response_model=MeasurePublic, responses=REFUSED,
               summary="Adopt the measure; 409 names the parties that have not agreed yet")
async def adopt(measure_id: str, body: AdoptionCreate, service: Measures, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    adopted = await service.adopt(measure_id, adopted_on=body.adopted_on, first_follow_up_on=body.first_follow_up_on,
                                  reason=body.reason)
    return measure_public(adopted, service)


@measures.post("/{measure_id}/indicators", status_code=status.HTTP_201_CREATED, response_model=IndicatorPublic,
               responses=REFUSED)
async def add_indicator(measure_id: str, body: IndicatorCreate, service: Measures, access: Access) -> IndicatorPublic:
    await visible_measure(measure_id, service, access)
    return indicator_public(await service.add_indicator(measure_id, body.model_dump()))


@measures.get("/{measure_id}/indicators", response_model=list[IndicatorPublic], responses=NOT_FOUND)
async def list_indicators(measure_id: str, service: Measures, access: Access) -> list[IndicatorPublic]:
    await visible_measure(measure_id, service, access)
    return [indicator_public(i) for i in (await service.measure(measure_id))["indicators"]]


@measures.post("/{measure_id}/follow-ups", status_code=status.HTTP_201_CREATED, response_model=FollowUpPublic,
               responses=REFUSED)
async def follow_up(measure_id: str, body: FollowUpCreate, service: Measures, access: Access) -> FollowUpPublic:
    await visible_measure(measure_id, service, access)
    return FollowUpPublic(**await service.follow_up(measure_id, body.model_dump()))


@measures.get("/{measure_id}/follow-ups", response_model=list[FollowUpPublic], responses=NOT_FOUND)
async def list_follow_ups(measure_id: str, service: Measures, access: Access) -> list[FollowUpPublic]:
    await visible_measure(measure_id, service, access)
    return [FollowUpPublic(**f) for f in await service.follow_ups(measure_id)]


@measures.post("/{measure_id}/evaluation", response_model=MeasurePublic, responses=REFUSED,
               summary="Evaluate and close the measure, with each indicator's change from baseline")
async def evaluate(measure_id: str, body: EvaluationCreate, service: Measures, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    return measure_public(await service.evaluate(measure_id, body.model_dump()), service)


@measures.post("/{measure_id}/discontinuation", response_model=MeasurePublic, responses=REFUSED)
async def discontinue(measure_id: str, body: DiscontinuationCreate, service: Measures, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    stopped = await service.discontinue(measure_id, reason=body.reason, discontinued_on=body.discontinued_on)
    return measure_public(stopped, service)


# -- effects and insight -----------------------------------------------------------------------

@units.get("/{unit_id}/effects", response_model=UnitEffects,
           summary="A unit's measures and how each indicator moved across the follow-ups")
async def unit_effects(unit_id: str, service: Measures, access: Access, network_id: str | None = None) -> UnitEffects:
    p = access.principal
    if not access.unrestricted and p is not None:
        by_network = Reach.NETWORK in access.reaches and network_id in p.network_ids
        by_unit = Reach.ORGANISATION in access.reaches and unit_id in p.unit_ids
        if not (by_network or by_unit):
            raise Hidden(f"no unit {unit_id}")
    effects = await service.unit_effects(unit_id, network_id, limit=MAX_PAGE)
    return UnitEffects(unit_id=unit_id, measures=[
        MeasureEffect(measure_id=e["measure"]["_id"], title=e["measure"]["title"], area=e["measure"]["area"],
                      status=e["measure"]["status"], adopted_on=e["measure"].get("adopted_on"),
                      follow_up_count=e["measure"].get("follow_up_count", 0), indicators=e["indicators"])
        for e in effects
    ])


@networks.get("/{network_id}/insight", response_model=NetworkInsight,
              summary="Activity across a network's member organisations, kept up to date from events")
async def network_insight(network_id: str, insight: Insight, access: Access) -> NetworkInsight:
    access.require(f"network {network_id}", network_id=network_id)
    return NetworkInsight(**await insight.insight(network_id))


@national.get("/overview", response_model=NationalOverview, responses=NOT_FOUND,
              summary="Programmes, cohorts, seats, completions and measures by area across every region")
async def national_overview(view: National, region: Annotated[str | None, Query(pattern=r"^[a-z0-9-]+$")] = None,
                            ) -> NationalOverview:
    return NationalOverview(**await view.overview(region))


ROUTERS = (toolbox, measures, units, networks, national)
