"""The measures pages: the inboxes, proposing from the toolbox, a party's agreement, adoption,
indicators, follow-ups and each indicator's chart. Every call carries the person's own token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from samla_portal.domain.people import LEADER_ROLES, SignedIn
from samla_portal.entrypoints.form_errors import attempted, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, done, require_signed_in
from samla_portal.service_layer.measures import (ACTIVE, AREAS, INDICATOR_KINDS, RUNS_MEASURES, MeasurePage,
                                                 party_to_agree)

router = APIRouter()


@router.get("/measures", summary="Measures waiting for the person: to agree, to adopt, to follow up")
async def measures_inbox(request: Request) -> Response:
    person, token = require_signed_in(request)
    inbox = await request.app.state.measures.inbox(token, person)
    return page_renderer(request).render(request, "measures.html", inbox=inbox,
                                  proposes=person.is_a(LEADER_ROLES) and bool(person.units))


@router.get("/measures/new", summary="A leader proposes a measure for their unit, from the toolbox")
async def propose_form(request: Request) -> Response:
    person, token = require_signed_in(request)
    method_id = request.query_params.get("method", "")
    return await _proposal_page(request, person, token, {"method_id": method_id, "indicator_kind": ""}, [])


@router.post("/measures/new", summary="Send the proposal to measures")
async def propose(request: Request) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    form.setdefault("network_id", person.networks[0] if person.networks else "")
    form.setdefault("organisation_id", person.organisations[0] if person.organisations else "")
    required = ["title", "area", "goal", "unit_id"]
    if form.get("indicator_kind"):
        required += ["baseline", "target"]
    errors = missing(form, required)
    if not errors:
        created, errors = await attempted(request.app.state.measures.propose(token, person, form))
        if created:
            return done(request, "proposed", f"/measures/{created['id']}")
    return await _proposal_page(request, person, token, form, errors, 422)


async def _proposal_page(request: Request, person: SignedIn, token: str, form: dict[str, str],
                         errors: list[dict[str, Any]], status_code: int = 200) -> Response:
    methods = await request.app.state.measures.toolbox(token, person)
    chosen = next((m for m in methods if m["id"] == form.get("method_id")), None)
    if chosen and not form.get("area"):
        form["area"] = chosen["areas"][0]
    return page_renderer(request).render(request, "propose.html", status_code, form=form, errors=errors, methods=methods,
                                  chosen=chosen, units=person.units, areas=AREAS, kinds=INDICATOR_KINDS)


@router.get("/measures/{measure_id}", summary="A measure, its parties, indicators with charts and follow-ups")
async def measure(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.measures.page(token, measure_id)
    return _measure_page(request, person, found, [])


def _measure_page(request: Request, person: SignedIn, found: MeasurePage, errors: list[dict[str, Any]],
                  status_code: int = 200, indicator_form: dict[str, str] | None = None) -> Response:
    status = found.measure["status"]
    runs = person.is_a(RUNS_MEASURES)
    return page_renderer(request).render(
        request, "measure.html", status_code, measure=found.measure, follow_ups=found.follow_ups, runs=runs,
        kinds=INDICATOR_KINDS, indicator_form=indicator_form,
        charts=found.charts, method=found.method, party=party_to_agree(person, found.measure), errors=errors,
        adopts=runs and status == "proposed" and not found.measure["missing_agreements"],
        follows_up=runs and status in ACTIVE, today=page_renderer(request).today().isoformat())


@router.post("/measures/{measure_id}/agreement", summary="The signed-in party agrees, posted to measures")
async def agree(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    measures = request.app.state.measures
    found = await measures.measure(token, measure_id)
    party = party_to_agree(person, found)
    errors = [] if party else [{"field": None, "message": "nothing_to_agree"}]
    if party:
        _, errors = await attempted(measures.agree(token, measure_id, person, party))
        if not errors:
            return done(request, "agreed", f"/measures/{measure_id}")
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422)


@router.post("/measures/{measure_id}/adoption", summary="Adopt a measure all three parties agreed to")
async def adopt(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    measures = request.app.state.measures
    _, errors = await attempted(measures.adopt(token, measure_id))
    if not errors:
        return done(request, "adopted", f"/measures/{measure_id}")
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 409)


@router.post("/measures/{measure_id}/indicators", summary="Add an indicator with its baseline and target")
async def add_indicator(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    measures = request.app.state.measures
    errors = missing(form, ["indicator_kind", "baseline", "target"])
    if not errors:
        _, errors = await attempted(measures.add_indicator(token, measure_id, form))
        if not errors:
            return done(request, "indicator_added", f"/measures/{measure_id}#indicators")
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422, indicator_form=form)


@router.post("/measures/{measure_id}/follow-ups", summary="Record a follow-up with a reading of each indicator")
async def follow_up(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    readings = {k.removeprefix("reading-"): v for k, v in form.items() if k.startswith("reading-")}
    measures = request.app.state.measures
    errors = missing(form, ["held_on", "in_practice"])
    if not errors:
        _, errors = await attempted(measures.follow_up(token, measure_id, form, readings))
        if not errors:
            return done(request, "followed_up", f"/measures/{measure_id}#indicators")
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422)
