"""Competences per staff type: an organisation's staff types with the competences each requires, placing
staff in them, and the coverage and gaps per staff type (from the completions measures has recorded)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.people import SignedIn
from samla_portal.entrypoints.form_errors import field_errors, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, flash, require_signed_in
from samla_portal.service_layer.competences import slug_of
from samla_portal.service_layer.unit_input import RUNS_UNIT

router = APIRouter()


async def _page(request: Request, person: SignedIn, token: str, organisation_id: str,
                errors: list[dict[str, Any]] | None = None, form: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    coverage = await request.app.state.competences.coverage(token, organisation_id)
    return page_renderer(request).render(request, "competences.html", status_code, organisation_id=organisation_id,
                                         coverage=coverage, runs=person.is_a(RUNS_UNIT), errors=errors or [],
                                         form=form or {})


async def _changed(request: Request, organisation_id: str, change: str, required: list[str]) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    errors = missing(form, required)
    if change == "define" and form.get("name") and not slug_of(form.get("staff_type_id") or form["name"]):
        errors.append({"field": "name", "message": "required"})
    # The person's id becomes part of the API's path: an id as the services write them, never a path step.
    if form.get("person_id") and not re.fullmatch(r"[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,63}", form["person_id"]):
        errors.append({"field": "person_id", "message": "invalid_id"})
    if not errors:
        try:
            await getattr(request.app.state.competences, change)(token, person, organisation_id, form)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = [e if e["field"] in form else {**e, "field": None} for e in field_errors(refused)]
        else:
            flash(request, "staff_type_saved" if change == "define" else "staff_placed")
            return RedirectResponse(f"/organisations/{organisation_id}/competences", status_code=303)
    return await _page(request, person, token, organisation_id, errors, form, 422)


@router.get("/organisations/{organisation_id}/competences", summary="Staff types, coverage and gaps per staff type")
async def competences(request: Request, organisation_id: str) -> Response:
    person, token = require_signed_in(request)
    return await _page(request, person, token, organisation_id)


@router.post("/organisations/{organisation_id}/staff-types", summary="Name a staff type and what it must know")
async def define_staff_type(request: Request, organisation_id: str) -> Response:
    return await _changed(request, organisation_id, "define", ["name"])


@router.post("/organisations/{organisation_id}/staff", summary="Place a member of staff in a staff type")
async def assign_staff(request: Request, organisation_id: str) -> Response:
    return await _changed(request, organisation_id, "assign", ["person_id"])
