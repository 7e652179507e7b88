"""The programme coordinator's sessions pages: generate from the plan, the agenda, attendance taken in
the room (a plain form that works on a phone without script), mark held, and completions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.people import SESSION_RUNNERS, SignedIn
from samla_portal.entrypoints.form_errors import attempted, field_errors, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, done, flash, require_signed_in
from samla_portal.service_layer.gatherings import (AGENDA_KINDS, ATTENDANCE, BLANK_AGENDA_ROWS, MAKE_UP_KINDS,
                                                   Gatherings, SessionSheet, session_days)

router = APIRouter()


@router.get("/cohorts/{cohort_id}/sessions", summary="A cohort's sessions; generate them from the programme's plan")
async def cohort_sessions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    cohort, programme, found = await request.app.state.gatherings.cohort_sessions(token, cohort_id)
    return page_renderer(request).render(request, "sessions.html", cohort=cohort, programme=programme, sessions=found,
                                  runs=person.is_a(SESSION_RUNNERS), errors=[], form={})


@router.post("/cohorts/{cohort_id}/sessions", summary="Generate the cohort's sessions from the programme's plan")
async def generate_sessions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    gatherings = request.app.state.gatherings
    try:
        await gatherings.generate(token, cohort_id, form.get("starts_on"))
    except ApiRefused as refused:
        if refused.status not in (404, 409, 422):
            raise
        cohort, programme, found = await gatherings.cohort_sessions(token, cohort_id)
        return page_renderer(request).render(request, "sessions.html", 422, cohort=cohort, programme=programme,
                                      sessions=found, runs=True, errors=field_errors(refused), form=form)
    flash(request, "generated")
    return RedirectResponse(f"/cohorts/{cohort_id}/sessions", status_code=303)


@router.get("/cohorts/{cohort_id}/completions", summary="Who completed the cohort, and everyone's progress")
async def completions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    cohort, programme = await request.app.state.enrollment.cohort(token, cohort_id)
    found, names = await request.app.state.gatherings.completions(token, cohort_id)
    return page_renderer(request).render(request, "completions.html", cohort=cohort, programme=programme,
                                  completions=found, names=names)


@router.get("/sessions/{session_id}", summary="A session: its agenda, attendance taken in the room, held")
async def session_page(request: Request, session_id: str) -> Response:
    person, token = require_signed_in(request)
    sheet = await request.app.state.gatherings.sheet(token, session_id)
    return _session_page(request, person, sheet, [])


def _session_page(request: Request, person: SignedIn, sheet: SessionSheet, errors: list[dict[str, Any]],
                  status_code: int = 200, agenda_form: dict[str, str] | None = None,
                  make_up_form: dict[str, str] | None = None) -> Response:
    items = sheet.session.get("agenda") or []
    return page_renderer(request).render(request, "session.html", status_code, sheet=sheet, session=sheet.session,
                                  items=items, days=session_days(sheet.session), blank_rows=BLANK_AGENDA_ROWS, kinds=AGENDA_KINDS, choices=ATTENDANCE,
                                  runs=person.is_a(SESSION_RUNNERS), errors=errors, agenda_form=agenda_form,
                                  make_up_form=make_up_form or {"kind": "session"}, make_up_kinds=MAKE_UP_KINDS)


@router.post("/sessions/{session_id}/make-ups", summary="Record how a participant made up for this missed session")
async def record_make_up(request: Request, session_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    gatherings = request.app.state.gatherings
    errors = missing(form, ["participant_id", "kind", {"session": "make_up_session_id", "assignment": "note"}.get(
        form.get("kind", ""), "kind")])
    if not errors:
        _, errors = await attempted(gatherings.record_make_up(token, session_id, form))
        if not errors:
            return done(request, "make_up_recorded", f"/sessions/{session_id}#make-ups")
    return _session_page(request, person, await gatherings.sheet(token, session_id), errors, 422, make_up_form=form)


@router.post("/sessions/{session_id}/agenda", summary="Replace the session's agenda")
async def save_agenda(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "agenda_saved",
                                 lambda g, token, form: g.save_agenda(token, session_id, form), keep_form=True)


@router.post("/sessions/{session_id}/attendance", summary="Attendance taken in the room, one choice per participant")
async def take_attendance(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "attendance_saved",
                                 lambda g, token, form: g.take_attendance(token, session_id, form))


@router.post("/sessions/{session_id}/held", summary="Mark the session held")
async def mark_held(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "held",
                                 lambda g, token, form: g.mark_held(token, session_id))


SessionAction = Callable[[Gatherings, str, dict[str, str]], Awaitable[Any]]


async def _session_action(request: Request, session_id: str, done: str, action: SessionAction,
                          keep_form: bool = False) -> Response:
    """A coordinator's post on a session page: do it, then back to the page (or the page with the refusal)."""
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    gatherings = request.app.state.gatherings
    try:
        await action(gatherings, token, form)
    except ApiRefused as refused:
        if refused.status not in (409, 422):
            raise
        return _session_page(request, person, await gatherings.sheet(token, session_id), field_errors(refused),
                             refused.status, agenda_form=form if keep_form else None)
    flash(request, done)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)
