"""A unit's workshop pages: staff input (the list, priorities, an item proposed as a measure, the secret
link and the anonymous form behind it) and the workshop groups' dialogue results."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.people import SignedIn
from samla_portal.entrypoints.form_errors import field_errors, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, flash, forwarded_for, require_signed_in
from samla_portal.service_layer.measures import AREAS
from samla_portal.service_layer.unit_input import RANKS_ITEMS, READS_UNIT, RUNS_UNIT
from samla_portal.service_layer.unit_series import SERIES_KINDS

router = APIRouter()


def _form(raw: Any) -> dict[str, str]:
    return {k: str(v).strip() for k, v in raw.items()}


async def _input_page(request: Request, person: SignedIn, token: str, unit_id: str,
                      errors: list[dict[str, Any]] | None = None, form: dict[str, str] | None = None,
                      status_code: int = 200) -> Response:
    # Staff who are not a party add items but do not read the list (measures refuses them the list).
    found = await request.app.state.unit_input.page(token, unit_id) if person.is_a(READS_UNIT) else None
    return page_renderer(request).render(
        request, "unit_input.html", status_code, unit_id=unit_id, found=found, areas=AREAS, errors=errors or [],
        form=form or {"kind": "idea"}, ranks=person.is_a(RANKS_ITEMS), runs=person.is_a(RUNS_UNIT))


def _refused_as_errors(refused: ApiRefused) -> list[dict[str, Any]]:
    if refused.status not in (409, 422):
        raise refused
    return field_errors(refused)


@router.get("/units/{unit_id}/input", summary="A unit's staff input: ideas and concerns, ranked, and the link")
async def unit_input(request: Request, unit_id: str) -> Response:
    person, token = require_signed_in(request)
    return await _input_page(request, person, token, unit_id)


@router.post("/units/{unit_id}/items", summary="A signed-in member of staff sends an idea or concern")
async def add_item(request: Request, unit_id: str) -> Response:
    person, token = require_signed_in(request)
    form = _form(await checked_form(request))
    errors = missing(form, ["text", "area"])
    if not errors:
        try:
            await request.app.state.unit_input.add_item(token, person, unit_id, form)
        except ApiRefused as refused:
            errors = _refused_as_errors(refused)
        else:
            flash(request, "item_sent")
            return RedirectResponse(f"/units/{unit_id}/input", status_code=303)
    return await _input_page(request, person, token, unit_id, errors, form, 422)


@router.post("/units/{unit_id}/items/{item_id}/priority", summary="A party ranks an item or sets it aside")
async def prioritise(request: Request, unit_id: str, item_id: str) -> Response:
    person, token = require_signed_in(request)
    form = _form(await checked_form(request))
    set_aside = form.get("action") == "set_aside"
    rank = form.get("rank", "")
    errors: list[dict[str, Any]] = []
    if not set_aside and not (rank.isdigit() and int(rank) >= 1):
        errors = [{"field": f"rank-{item_id}", "message": "rank_needed"}]
    if not errors:
        try:
            await request.app.state.unit_input.prioritise(token, unit_id, item_id, None if set_aside else int(rank))
        except ApiRefused as refused:
            errors = _refused_as_errors(refused)
        else:
            flash(request, "item_set_aside" if set_aside else "item_ranked")
            return RedirectResponse(f"/units/{unit_id}/input#item-{item_id}", status_code=303)
    return await _input_page(request, person, token, unit_id, errors, None, 422)


@router.post("/units/{unit_id}/items/{item_id}/measure", summary="Propose a ranked item as a measure of the unit")
async def propose(request: Request, unit_id: str, item_id: str) -> Response:
    person, token = require_signed_in(request)
    form = _form(await checked_form(request))
    # The fields are the item's own (one form per item); the summary words them by their label.
    errors = [{**e, "field": f"{e['field']}-{item_id}", "label": e["field"]} for e in missing(form, ["title", "goal"])]
    if not errors:
        try:
            created = await request.app.state.unit_input.propose(token, person, unit_id, item_id, form)
        except ApiRefused as refused:
            errors = _refused_as_errors(refused)
        else:
            flash(request, "proposed")
            return RedirectResponse(f"/measures/{created['id']}", status_code=303)
    return await _input_page(request, person, token, unit_id, errors, None, 422)


@router.post("/units/{unit_id}/input-link", summary="A new secret link for the unit's staff (the old one stops)")
async def new_link(request: Request, unit_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    link = await request.app.state.unit_input.new_link(token, person, unit_id)
    # Shown once, on this answer: measures keeps only a hash, and a redirect would have to carry the secret.
    url = f"{request.app.state.settings.public_url.rstrip('/')}/input/{link['token']}"
    return page_renderer(request).render(request, "input_link.html", 201, url=url, back=f"/units/{unit_id}/input")



@router.get("/input/{link_token}", summary="Staff send an idea or concern through their unit's link, not signed in")
async def anonymous_form(request: Request, link_token: str) -> Response:
    return page_renderer(request).render(request, "staff_input.html", form={"kind": "idea"}, errors=[],
                                         areas=AREAS, link_token=link_token, sent=False)


@router.post("/input/{link_token}", summary="The anonymous item, passed on to measures without a token")
async def send_anonymously(request: Request, link_token: str) -> Response:
    form = _form(await checked_form(request))
    errors = missing(form, ["text", "area"])
    status_code = 422
    if not errors:
        try:
            await request.app.state.unit_input.send_anonymously(link_token, form, forwarded_for(request))
        except ApiRefused as refused:
            if refused.status == 429:  # the link's (or the address's) limit: nothing was stored, try later
                errors, status_code = [{"field": None, "message": "too_many"}], 429
            elif refused.status == 404:
                errors, status_code = [{"field": None, "message": "link_ended"}], 404
            else:
                errors = _refused_as_errors(refused)
        else:
            # No redirect back to the form: the thanks is the answer, and a reload asks before sending twice.
            return page_renderer(request).render(request, "staff_input.html", 201, form={"kind": "idea"}, errors=[],
                                                 areas=AREAS, link_token=link_token, sent=True)
    return page_renderer(request).render(request, "staff_input.html", status_code, form=form, errors=errors,
                                         areas=AREAS, link_token=link_token, sent=False)


async def _dialogue_page(request: Request, token: str, unit_id: str, session_id: str,
                         errors: list[dict[str, Any]] | None = None, form: dict[str, str] | None = None,
                         status_code: int = 200) -> Response:
    found = await request.app.state.unit_input.page(token, unit_id, session_id)
    return page_renderer(request).render(
        request, "dialogue_results.html", status_code, unit_id=unit_id, session_id=session_id, results=found.results,
        areas=AREAS, errors=errors or [], form=form or {"session_id": session_id})


@router.get("/units/{unit_id}/dialogue-results", summary="A workshop session's dialogue results, group by group")
async def dialogue_results(request: Request, unit_id: str) -> Response:
    _, token = require_signed_in(request)
    return await _dialogue_page(request, token, unit_id, request.query_params.get("session_id", "").strip())


@router.post("/units/{unit_id}/dialogue-results", summary="A group records key words, why, and the next step")
async def record_result(request: Request, unit_id: str) -> Response:
    person, token = require_signed_in(request)
    form = _form(await checked_form(request))
    errors = missing(form, ["session_id", "group", "keywords", "why", "next_step", "area"])
    if not errors:
        try:
            await request.app.state.unit_input.record_result(token, person, unit_id, form)
        except ApiRefused as refused:
            errors = _refused_as_errors(refused)
        else:
            flash(request, "result_recorded")
            return RedirectResponse(f"/units/{unit_id}/dialogue-results?session_id={quote(form['session_id'])}",
                                    status_code=303)
    return await _dialogue_page(request, token, unit_id, form.get("session_id", ""), errors, form, 422)


async def _effects_page(request: Request, token: str, unit_id: str, errors: list[dict[str, Any]] | None = None,
                        form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    found = await request.app.state.unit_series.effects(token, unit_id)
    return page_renderer(request).render(
        request, "unit_effects.html", status_code, found=found, kinds=SERIES_KINDS, errors=errors or [],
        form=form or {"period": page_renderer(request).today().strftime("%Y-%m")})


@router.get("/units/{unit_id}/effects", summary="A unit's own series with its measures marked, as charts")
async def unit_effects(request: Request, unit_id: str) -> Response:
    _, token = require_signed_in(request)
    return await _effects_page(request, token, unit_id)


@router.post("/units/{unit_id}/series", summary="Record or correct one month's reading of the unit's series")
async def record_reading(request: Request, unit_id: str) -> Response:
    person, token = require_signed_in(request)
    form = _form(await checked_form(request))
    errors = missing(form, ["kind", "period", "value"])
    if form.get("kind") and form["kind"] not in SERIES_KINDS:  # it becomes part of the API's path
        errors.append({"field": "kind", "message": "required"})
    if not errors:
        try:
            await request.app.state.unit_series.record(token, person, unit_id, form)
        except ApiRefused as refused:
            errors = _refused_as_errors(refused)
        else:
            flash(request, "reading_recorded")
            return RedirectResponse(f"/units/{unit_id}/effects#series-{form['kind']}", status_code=303)
    return await _effects_page(request, token, unit_id, errors, form, 422)
