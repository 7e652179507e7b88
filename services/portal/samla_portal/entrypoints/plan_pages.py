"""Progress plans: an organisation's goals (for example full-time share from 40 to 60 % by a date) with
milestones, the progress measured on its units' own series, and the measures put under each."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.people import SignedIn
from samla_portal.entrypoints.form_errors import field_errors, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, flash, require_signed_in
from samla_portal.service_layer.progress_plans import MILESTONE_ROWS
from samla_portal.service_layer.unit_input import RUNS_UNIT
from samla_portal.service_layer.unit_series import SERIES_KINDS

router = APIRouter()


def _refused(refused: ApiRefused, form: dict[str, str]) -> list[dict[str, Any]]:
    if refused.status not in (409, 422):
        raise refused
    # A reason about a field the form does not have (a milestone's place in the list) is shown without a link.
    return [e if e["field"] in form else {**e, "field": None} for e in field_errors(refused)]


async def _plans_page(request: Request, person: SignedIn, token: str, errors: list[dict[str, Any]] | None = None,
                      form: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    plans = await request.app.state.progress_plans.listed(token, person)
    return page_renderer(request).render(
        request, "plans.html", status_code, plans=plans, kinds=SERIES_KINDS, units=person.units,
        creates=person.is_a(RUNS_UNIT) and bool(person.organisations), rows=range(1, MILESTONE_ROWS + 1),
        errors=errors or [], form=form or {"unit_ids": list(person.units)})


@router.get("/plans", summary="The organisation's progress plans, and a new one")
async def plans(request: Request) -> Response:
    person, token = require_signed_in(request)
    return await _plans_page(request, person, token)


@router.post("/plans", summary="Set a goal with milestones for some of one's units")
async def create_plan(request: Request) -> Response:
    person, token = require_signed_in(request)
    raw = await checked_form(request)
    unit_ids = [str(u) for u in raw.getlist("unit_ids")]
    form: dict[str, Any] = {k: str(v).strip() for k, v in raw.items() if k != "unit_ids"}
    errors = missing(form, ["title", "kind", "start_value", "target_value", "target_date"])
    if not unit_ids:
        errors.append({"field": "unit_ids", "message": "required"})
    if form.get("kind") and form["kind"] not in SERIES_KINDS:
        errors.append({"field": "kind", "message": "required"})
    if not errors:
        try:
            created = await request.app.state.progress_plans.create(token, person, form, unit_ids)
        except ApiRefused as refused:
            errors = _refused(refused, form)
        else:
            flash(request, "plan_created")
            return RedirectResponse(f"/plans/{created['id']}", status_code=303)
    return await _plans_page(request, person, token, errors, {**form, "unit_ids": unit_ids}, 422)


async def _plan_page(request: Request, person: SignedIn, token: str, plan_id: str,
                     errors: list[dict[str, Any]] | None = None, status_code: int = 200) -> Response:
    service = request.app.state.progress_plans
    plan = await service.plan(token, plan_id)
    runs = person.is_a(RUNS_UNIT)
    addable = await service.measures_to_add(token, plan) if runs else []
    return page_renderer(request).render(request, "plan.html", status_code, plan=plan, runs=runs, addable=addable,
                                         errors=errors or [])


@router.get("/plans/{plan_id}", summary="A plan's progress, its milestones and its measures")
async def plan(request: Request, plan_id: str) -> Response:
    person, token = require_signed_in(request)
    return await _plan_page(request, person, token, plan_id)


@router.post("/plans/{plan_id}/measures", summary="Put one of the organisation's measures under the plan")
async def add_measure(request: Request, plan_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    errors = missing(form, ["measure_id"])
    if not errors:
        try:
            await request.app.state.progress_plans.add_measure(token, plan_id, form["measure_id"])
        except ApiRefused as refused:
            errors = _refused(refused, form)
        else:
            flash(request, "plan_measure_added")
            return RedirectResponse(f"/plans/{plan_id}#plan-measures", status_code=303)
    return await _plan_page(request, person, token, plan_id, errors, 422)
