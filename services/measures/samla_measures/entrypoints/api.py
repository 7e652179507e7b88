"""HTTP routes of measures: parse, call the service layer, map the result."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from samla_shared.http.auth import Access, refuse
from samla_shared.security.access import Grant

from samla_shared.contract.measures import MeasureArea
from samla_measures.domain import series as series_rules
from samla_measures.domain.errors import NotFound, RuleViolation
from samla_measures.domain.measure import (
    ACTIVE_STATUSES,
    ROLE_LABELS,
    Measure,
    MeasureStatus,
    OwnerRole,
    awaiting_from,
    missing_agreements,
)
from samla_measures.domain.toolbox import CostLevel
from samla_measures.entrypoints.schemas import (
    AdoptionCreate,
    ConsentCreate,
    DiscontinuationCreate,
    EvaluationCreate,
    FollowUpCreate,
    FollowUpPublic,
    InboxMeasure,
    IndicatorCreate,
    IndicatorPublic,
    LeaderInbox,
    MeasureCreate,
    MeasureEffect,
    MeasureMark,
    MeasurePublic,
    MethodCreate,
    MethodPublic,
    NationalOverview,
    NetworkInsight,
    OwnerPublic,
    Reading,
    RepresentativeInbox,
    SeriesEffect,
    UnitEffects,
    UnitName,
)
from samla_measures.service_layer.directory import Directory, Names
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.national_view import NationalView
from samla_measures.service_layer.series import UnitSeries
from samla_measures.service_layer.scope import check_proposal_place as check_place
from samla_measures.service_layer.scope import party_roles, require_unit_effects, require_visible, scoped_filters
from samla_measures.service_layer.toolbox import ToolboxService

MAX_PAGE = 200


# The getters are `async def` though they await nothing: FastAPI runs a plain `def` dependency in its
# thread pool, a hand-off to another thread and back on every request (the profiles in docs/profiles).
async def get_measures(request: Request) -> MeasuresService:
    return request.app.state.measures


async def get_toolbox(request: Request) -> ToolboxService:
    return request.app.state.toolbox


async def get_directory(request: Request) -> Directory:
    return request.app.state.directory


async def get_insight(request: Request) -> InsightProjection:
    return request.app.state.insight


async def get_series(request: Request) -> UnitSeries:
    return request.app.state.series


async def get_national(request: Request) -> NationalView:
    view = request.app.state.national
    if view is None:
        raise NotFound("this deployment does not run in national mode (MEASURES_NATIONAL_KAFKA_BOOTSTRAP_SERVERS)")
    return view


Measures = Annotated[MeasuresService, Depends(get_measures)]
Toolbox = Annotated[ToolboxService, Depends(get_toolbox)]
Insight = Annotated[InsightProjection, Depends(get_insight)]
DirectoryNames = Annotated[Directory, Depends(get_directory)]
National = Annotated[NationalView, Depends(get_national)]
OwnSeries = Annotated[UnitSeries, Depends(get_series)]
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
inbox = APIRouter(prefix="/inbox", tags=["inbox"])

# -- mapping -----------------------------------------------------------------------------------

def method_public(doc: dict[str, Any]) -> MethodPublic:
    return MethodPublic(id=doc["_id"], **{k: doc.get(k) for k in MethodPublic.model_fields if k != "id"})


def units_named(measure: Measure, names: Names) -> list[UnitName]:
    return [UnitName(id=u, name=names.units.get(u)) for u in measure.unit_ids]


# The record fields MeasurePublic shows as they are; the rest it derives (owners, names, overdue).
SHOWN_AS_STORED = tuple(name for name in MeasurePublic.model_fields
                        if name in Measure.__dataclass_fields__ and name not in ("id", "owners"))


def measure_public(measure: Measure, service: MeasuresService, names: Names) -> MeasurePublic:
    owners = [OwnerPublic(role=role, person_id=measure.owners.get(role.value),
                          agreed_at=measure.consents.get(role.value, {}).get("agreed_at")) for role in OwnerRole]
    fields = {name: getattr(measure, name) for name in SHOWN_AS_STORED}
    return MeasurePublic(**fields, id=measure.id, owners=owners, missing_agreements=missing_agreements(measure.consents),
                         overdue=service.is_overdue(measure), network_name=names.networks.get(measure.network_id),
                         organisation_name=names.organisations.get(measure.organisation_id),
                         units=units_named(measure, names))


async def named(measure: Measure, service: MeasuresService, directory: Directory) -> MeasurePublic:
    return measure_public(measure, service, await directory.names_of_measures([measure]))


def inbox_measure(measure: Measure, service: MeasuresService, names: Names,
                  awaiting: list[OwnerRole]) -> InboxMeasure:
    return InboxMeasure(
        id=measure.id, title=measure.title, area=measure.area, status=measure.status,
        network_id=measure.network_id, network_name=names.networks.get(measure.network_id),
        organisation_id=measure.organisation_id, organisation_name=names.organisations.get(measure.organisation_id),
        units=units_named(measure, names), missing_agreements=missing_agreements(measure.consents),
        awaiting_your_agreement_as=awaiting, next_follow_up_due=measure.next_follow_up_due,
        overdue=service.is_overdue(measure))


def indicator_public(doc: dict[str, Any]) -> IndicatorPublic:
    return IndicatorPublic(**doc)


# -- scope: a measure outside the caller's network, organisation or unit answers 404 ------------

async def visible_measure(measure_id: str, service: MeasuresService, access: Access) -> None:
    if access.unrestricted:
        return  # the handler finds out whether it exists; no second read for an admin
    require_visible(await service.measure(measure_id), access)


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
async def propose(body: MeasureCreate, service: Measures, directory: DirectoryNames, access: Access) -> MeasurePublic:
    await check_proposal_place(body, directory, access)
    return await named(await service.propose(body.model_dump(), by=access.person), service, directory)


async def check_proposal_place(body: MeasureCreate, directory: Directory, access: Access) -> None:
    """A leader proposes only for their own organisation and units (see scope.check_proposal_place)."""
    await check_place(body.network_id, body.organisation_id, body.unit_ids, directory, access)


@measures.get("", response_model=list[MeasurePublic])
async def list_measures(
    service: Measures, directory: DirectoryNames, access: Access, offset: Offset = 0, limit: Limit = 50,
    network_id: str | None = None, organisation_id: str | None = None, unit_id: str | None = None,
    area: MeasureArea | None = None, status_filter: Annotated[MeasureStatus | None, Query(alias="status")] = None,
    overdue: bool | None = None,
) -> list[MeasurePublic]:
    scope = scoped_filters(access, network_id, organisation_id, unit_id)
    if scope is None:
        return []
    found = await service.measures(**scope, area=area, status=status_filter,  # type: ignore[arg-type]
                                   overdue=overdue, offset=offset, limit=limit)
    names = await directory.names_of_measures(found)
    return [measure_public(m, service, names) for m in found]


@measures.get("/{measure_id}", response_model=MeasurePublic, responses=NOT_FOUND)
async def get_measure(measure_id: str, service: Measures, directory: DirectoryNames, access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    return await named(await service.measure(measure_id), service, directory)


@measures.post("/{measure_id}/consents", response_model=MeasurePublic, responses=REFUSED,
               summary="The caller records their own agreement, in the party role of their token")
async def consent(measure_id: str, body: ConsentCreate, service: Measures, directory: DirectoryNames,
                  access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    mine = party_roles(access)
    role = body.role
    if role is None:
        if len(mine) != 1:
            raise RuleViolation("the caller holds more than one party role; say which one agrees (role)",
                                roles=[r.value for r in mine])
        role = mine[0]
    elif role not in mine:
        raise refuse(f"each party records only their own agreement; the caller is not {ROLE_LABELS[role]}")
    person = access.person
    if person is None or (body.person_id is not None and body.person_id != person):
        raise refuse("each party agrees in their own name only; the person comes from the token")
    return await named(await service.consent(measure_id, role, person), service, directory)


@measures.post("/{measure_id}/adoption", response_model=MeasurePublic, responses=REFUSED,
               summary="Adopt the measure; 409 names the parties that have not agreed yet")
async def adopt(measure_id: str, body: AdoptionCreate, service: Measures, directory: DirectoryNames,
                access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    adopted = await service.adopt(measure_id, adopted_on=body.adopted_on, first_follow_up_on=body.first_follow_up_on,
                                  reason=body.reason, by=access.person)
    return await named(adopted, service, directory)


@measures.post("/{measure_id}/indicators", status_code=status.HTTP_201_CREATED, response_model=IndicatorPublic,
               responses=REFUSED)
async def add_indicator(measure_id: str, body: IndicatorCreate, service: Measures, access: Access) -> IndicatorPublic:
    await visible_measure(measure_id, service, access)
    return indicator_public(await service.add_indicator(measure_id, body.model_dump()))


@measures.get("/{measure_id}/indicators", response_model=list[IndicatorPublic], responses=NOT_FOUND)
async def list_indicators(measure_id: str, service: Measures, access: Access) -> list[IndicatorPublic]:
    await visible_measure(measure_id, service, access)
    return [indicator_public(i) for i in (await service.measure(measure_id)).indicators]


@measures.post("/{measure_id}/follow-ups", status_code=status.HTTP_201_CREATED, response_model=FollowUpPublic,
               responses=REFUSED)
async def follow_up(measure_id: str, body: FollowUpCreate, service: Measures, access: Access) -> FollowUpPublic:
    # The scope is checked on the measure the follow-up reads under its lock: one read, not two.
    recorded = await service.follow_up(measure_id, body.model_dump(), by=access.person,
                                       visible=lambda measure: require_visible(measure, access))
    return FollowUpPublic(**recorded)


@measures.get("/{measure_id}/follow-ups", response_model=list[FollowUpPublic], responses=NOT_FOUND)
async def list_follow_ups(measure_id: str, service: Measures, access: Access) -> list[FollowUpPublic]:
    await visible_measure(measure_id, service, access)
    return [FollowUpPublic(**f) for f in await service.follow_ups(measure_id)]


@measures.post("/{measure_id}/evaluation", response_model=MeasurePublic, responses=REFUSED,
               summary="Evaluate and close the measure, with each indicator's change from baseline")
async def evaluate(measure_id: str, body: EvaluationCreate, service: Measures, directory: DirectoryNames,
                   access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    return await named(await service.evaluate(measure_id, body.model_dump(), by=access.person), service, directory)


@measures.post("/{measure_id}/discontinuation", response_model=MeasurePublic, responses=REFUSED)
async def discontinue(measure_id: str, body: DiscontinuationCreate, service: Measures, directory: DirectoryNames,
                      access: Access) -> MeasurePublic:
    await visible_measure(measure_id, service, access)
    stopped = await service.discontinue(measure_id, reason=body.reason, discontinued_on=body.discontinued_on,
                                        by=access.person)
    return await named(stopped, service, directory)


# -- effects and insight -----------------------------------------------------------------------

@units.get("/{unit_id}/effects", response_model=UnitEffects,
           summary="A unit's measures and how each indicator moved across the follow-ups")
async def unit_effects(unit_id: str, service: Measures, directory: DirectoryNames, access: Access,
                       series: OwnSeries, network_id: str | None = None) -> UnitEffects:
    require_unit_effects(access, unit_id, network_id)
    effects = await service.unit_effects(unit_id, network_id, limit=MAX_PAGE)
    names = await directory.names(units=[unit_id])
    own_series = [s for s in await series.of_unit(unit_id)
                  if access.sees(network_id=s.network_id, organisation_id=s.organisation_id, unit_ids=[unit_id])]
    return UnitEffects(unit_id=unit_id, unit_name=names.units.get(unit_id), measures=[
        MeasureEffect(measure_id=e["measure"].id, title=e["measure"].title, area=e["measure"].area,
                      status=e["measure"].status, adopted_on=e["measure"].adopted_on,
                      follow_up_count=e["measure"].follow_up_count, indicators=e["indicators"])
        for e in effects
    ], series=[series_effect(s, [e["measure"] for e in effects]) for s in own_series])


def series_effect(series: series_rules.Series, unit_measures: list[Measure]) -> SeriesEffect:
    """The unit's series with each of its measures marked on it (and whether the measure follows this series)."""
    kind = series.kind
    marks = []
    for m in unit_measures:
        closing = m.evaluation or m.discontinuation or {}
        assert m.created_at is not None  # every stored measure has its creation time
        marks.append(MeasureMark(
            measure_id=m.id, title=m.title, status=m.status, proposed_on=m.created_at.date(),
            adopted_on=m.adopted_on, closed_on=closing.get("evaluated_on") or closing.get("discontinued_on"),
            linked=any(i.get("series_kind") == kind.value for i in m.indicators)))
    return SeriesEffect(kind=kind, unit=series_rules.UNITS[kind], better=series_rules.BETTER[kind], measures=marks,
                        readings=[Reading(on=date.fromisoformat(f"{p}-01"), value=v)
                                  for p, v in sorted(series.readings.items())])


@networks.get("/{network_id}/insight", response_model=NetworkInsight,
              summary="Activity across a network's member organisations, kept up to date from events")
async def network_insight(network_id: str, insight: Insight, directory: DirectoryNames, series: OwnSeries,
                          access: Access) -> NetworkInsight:
    access.require(f"network {network_id}", network_id=network_id)
    # Three reads that need nothing from each other (the names are every organisation's, not only those
    # the counters list), asked for together: the read waits for the slowest instead of all three in turn.
    found, trends, names = await asyncio.gather(insight.insight(network_id), series.network_trends(network_id),
                                                directory.names_for_network(network_id))
    organisations = [{**o, "organisation_name": names.organisations.get(o["organisation_id"])}
                     for o in found["organisations"]]
    return NetworkInsight(**{**found, "organisations": organisations, "network_name": names.networks.get(network_id),
                             "trends": trends})


@national.get("/overview", response_model=NationalOverview, responses=NOT_FOUND,
              summary="Programmes, cohorts, seats, completions and measures by area across every region")
async def national_overview(view: National, region: Annotated[str | None, Query(pattern=r"^[a-z0-9-]+$")] = None,
                            ) -> NationalOverview:
    return NationalOverview(**await view.overview(region))


# -- inboxes: what waits for the caller, within their organisation and units ----------------------

async def inbox_scope(service: MeasuresService, directory: Directory,
                      access: Grant) -> tuple[list[tuple[Measure, list[OwnerRole]]], Names]:
    """The open measures of the caller's organisations (and units, if the token names any), each with
    the caller's roles it waits for. A caller without organisations (an admin) has no inbox."""
    p = access.principal
    if p is None:
        return [], Names()
    found = await service.open_in_scope(organisation_ids=sorted(p.organisation_ids),
                                        unit_ids=sorted(p.unit_ids) or None, limit=MAX_PAGE)
    mine, person = party_roles(access), access.person or ""
    waiting = [(m, awaiting_from(m.status, m.owners, m.consents, mine, person))
               for m in found]
    return waiting, await directory.names_of_measures(found)


@inbox.get("/representative", response_model=RepresentativeInbox,
           summary="Proposed measures of the caller's organisation and units waiting for their own agreement")
async def representative_inbox(service: Measures, directory: DirectoryNames, access: Access) -> RepresentativeInbox:
    waiting, names = await inbox_scope(service, directory, access)
    proposed = [(m, roles) for m, roles in waiting if m.status is MeasureStatus.PROPOSED]
    return RepresentativeInbox(
        awaiting_your_agreement=[inbox_measure(m, service, names, roles) for m, roles in proposed if roles],
        awaiting_others=[inbox_measure(m, service, names, roles) for m, roles in proposed
                         if not roles and missing_agreements(m.consents)])


@inbox.get("/leader", response_model=LeaderInbox,
           summary="A leader's measures: waiting for their agreement, for the representatives, for adoption, and active")
async def leader_inbox(service: Measures, directory: DirectoryNames, access: Access) -> LeaderInbox:
    waiting, names = await inbox_scope(service, directory, access)
    sorted_out: dict[str, list[InboxMeasure]] = {"mine": [], "others": [], "ready": [], "active": []}
    for m, roles in waiting:
        if m.status is not MeasureStatus.PROPOSED:
            bucket = "active" if m.status in ACTIVE_STATUSES else None
        elif roles:
            bucket = "mine"
        else:
            bucket = "others" if missing_agreements(m.consents) else "ready"
        if bucket:
            sorted_out[bucket].append(inbox_measure(m, service, names, roles))
    return LeaderInbox(awaiting_your_agreement=sorted_out["mine"], awaiting_others=sorted_out["others"],
                       ready_to_adopt=sorted_out["ready"], active=sorted_out["active"])


ROUTERS = (toolbox, measures, units, networks, national, inbox)
