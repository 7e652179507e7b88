"""An application's page, where mails link: its approval chain and the decision of whoever holds the step
waiting, and a coordinator's moving it to another cohort or deferring it; and a coordinator's offer of a seat
freed after a cohort's start, from the cohort page (issue 16: a programme the way it really runs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.approvals import is_chain
from samla_portal.entrypoints.form_errors import Errors, attempted, field_errors
from samla_portal.entrypoints.pages import cohort_page
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, done, require_signed_in

router = APIRouter()


async def application_page(request: Request, application_id: str, status_code: int = 200,
                           errors: Errors | None = None, form: dict[str, str] | None = None) -> Response:
    """The page as it stands now, with what a refused form said and what was typed in it."""
    person, token = require_signed_in(request)
    page = await request.app.state.applications.page(token, person, application_id)
    return page_renderer(request).render(request, "application.html", status_code, page=page, errors=errors or [],
                                         form=form or {})


@router.get("/applications/{application_id}",
            summary="An application, its approval chain; the holder of the step waiting decides here")
async def application(request: Request, application_id: str) -> Response:
    return await application_page(request, application_id)


@router.post("/applications/{application_id}/decision",
             summary="The decision of the step waiting (the leader's, the programme owner's, HR's…), to enrollment")
async def decide(request: Request, application_id: str) -> Response:
    person, token = require_signed_in(request)
    posted = await checked_form(request)
    form = {"decision": str(posted.get("decision", "")), "reason": str(posted.get("reason", "")).strip()}
    decision, reason = form["decision"], form["reason"]
    enrollment = request.app.state.enrollment
    errors: Errors = []
    if decision not in ("approve", "decline"):
        errors.append({"field": "decision", "message": "choose_decision"})
    if not reason and (decision == "decline" or is_chain(await enrollment.application(token, application_id))):
        # Enrollment refuses these too (422); asked here, the page says which field and keeps the choice made.
        errors.append({"field": "reason", "message": "reason_needed" if decision == "decline"
                       else "reason_needed_in_chain"})
    if not errors:
        decided, errors = await attempted(enrollment.decide(token, application_id, approve=decision == "approve",
                                                            reason=reason))
        if decided:
            # Approved at a step before the last, the application still awaits a decision: the next step's.
            key = ("step_approved" if decided["status"] == "awaiting_manager_approval"
                   else "approved" if decision == "approve" else "declined")
            return done(request, key, f"/applications/{application_id}")
    return await application_page(request, application_id, 422, errors, form)


@router.post("/applications/{application_id}/transfer",
             summary="A coordinator moves the application to another cohort of the programme, or defers it")
async def transfer(request: Request, application_id: str) -> Response:
    person, token = require_signed_in(request)
    posted = await checked_form(request)
    deferring = posted.get("defer") == "yes"
    cohort_id = None if deferring else str(posted.get("cohort_id", "")).strip()
    reason = str(posted.get("reason", "")).strip()
    form = {"defer_reason" if deferring else "transfer_reason": reason, "cohort_id": cohort_id or ""}
    field = "defer" if deferring else "cohort_id"
    if not deferring and not cohort_id:
        return await application_page(request, application_id, 422, [{"field": field, "message": "choose_cohort"}],
                                      form)
    try:
        await request.app.state.applications.transfer(token, application_id, cohort_id=cohort_id, reason=reason)
    except ApiRefused as refused:
        if refused.status not in (409, 422):
            raise
        return await application_page(request, application_id, refused.status,
                                      transfer_refused(refused, field, deferring), form)
    return done(request, "deferred" if deferring else "transferred", f"/applications/{application_id}")


def transfer_refused(refused: ApiRefused, field: str, deferring: bool) -> Errors:
    """Enrollment's refusal in plain words at the form: its reasons are in English, and its conflicts say which
    one only in words, so the portal words what it can tell apart and says the rest plainly (the page it shows
    again has the application and the cohorts as they now stand)."""
    if refused.status == 409 and (refused.extensions or {}).get("application_id"):
        message = "already_in_cohort"  # the person applied to that cohort as well
    elif refused.status == 409 and deferring:
        message = "no_next_cohort"
    elif refused.status == 409:
        message = "not_moved"
    else:
        return [{**error, "field": field} for error in field_errors(refused)]
    return [{"field": field, "message": message, "detail": refused.detail}]


@router.post("/cohorts/{cohort_id}/seat-offers",
             summary="After the start, a coordinator offers a free seat to the next in the cohort's queue")
async def offer_seat(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    offered, errors = await attempted(request.app.state.applications.offer_seat(token, cohort_id), (409,))
    if offered:
        return done(request, "seat_offered", f"/cohorts/{cohort_id}")
    # Someone took the seat or left the queue meanwhile: the page as it now stands, and why nothing was offered
    # (tied to no field: the form may be gone from the page now).
    problem: list[dict[str, Any]] = [{"field": None, "message": "no_seat_to_offer",
                                      "detail": errors[0].get("detail") if errors else None}]
    return await cohort_page(request, cohort_id, 409, problem)
