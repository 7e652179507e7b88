"""Documents where their reader looks for them: exports, the sign-in sheet, certificates, calendar links.

The portal passes each file on as the service wrote it, fetched with the person's own token, so a
document is scoped exactly like its JSON: whoever may not see it gets the service's 403 or 404 as a page.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from samla_portal.adapters.samla_api import Download
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, require_signed_in

router = APIRouter()
# Route order matters: "/cohorts/{id}/completions/export" is declared before "/cohorts/{id}/{listing}/export".

TableFormat = Literal["csv", "xlsx"]
COHORT_LISTS = ("applications", "waitlist", "roster")


def _file(download: Download) -> Response:
    headers = {"Content-Disposition": download.content_disposition} if download.content_disposition else {}
    return Response(download.content, media_type=download.content_type, headers=headers)


@router.get("/cohorts/{cohort_id}/completions/export", summary="Completions and everyone's progress (CSV/XLSX)")
async def completions_export(request: Request, cohort_id: str, format: TableFormat = "xlsx") -> Response:
    _, token = require_signed_in(request)
    return _file(await request.app.state.api.download("sessions", f"/cohorts/{cohort_id}/completions/export", token,
                                                      format=format))


@router.get("/cohorts/{cohort_id}/{listing}/export", summary="A cohort's applicants, waitlist or roster (CSV/XLSX)")
async def cohort_export(request: Request, cohort_id: str, listing: str, format: TableFormat = "xlsx") -> Response:
    _, token = require_signed_in(request)
    if listing not in COHORT_LISTS:
        raise HTTPException(404)
    return _file(await request.app.state.api.download("enrollment", f"/cohorts/{cohort_id}/{listing}/export", token,
                                                      format=format))


@router.get("/sessions/{session_id}/attendance/export", summary="A session's attendance by name (CSV/XLSX)")
async def attendance_export(request: Request, session_id: str, format: TableFormat = "xlsx") -> Response:
    _, token = require_signed_in(request)
    return _file(await request.app.state.api.download("sessions", f"/sessions/{session_id}/attendance/export", token,
                                                      format=format))


@router.get("/sessions/{session_id}/attendance-sheet", summary="The printable sign-in sheet of a session (PDF)")
async def attendance_sheet(request: Request, session_id: str) -> Response:
    _, token = require_signed_in(request)
    return _file(await request.app.state.api.download("sessions", f"/sessions/{session_id}/attendance-sheet", token))


@router.get("/cohorts/{cohort_id}/certificates", summary="Every certificate of a cohort, one ZIP (coordinators)")
async def certificates(request: Request, cohort_id: str) -> Response:
    _, token = require_signed_in(request)
    return _file(await request.app.state.api.download("sessions", f"/cohorts/{cohort_id}/certificates", token))


@router.get("/cohorts/{cohort_id}/certificates/{participant_id}", summary="One certificate of completion (PDF)")
async def certificate(request: Request, cohort_id: str, participant_id: str) -> Response:
    _, token = require_signed_in(request)
    return _file(await request.app.state.api.download(
        "sessions", f"/cohorts/{cohort_id}/certificates/{participant_id}", token))


@router.get("/exports/measures", summary="Measures with indicators and follow-ups of a network or organisation")
async def measures_export(request: Request, format: TableFormat = "xlsx", network_id: str | None = None,
                          organisation_id: str | None = None, unit_id: str | None = None) -> Response:
    _, token = require_signed_in(request)
    language = page_renderer(request).language(request)
    return _file(await request.app.state.api.download(
        "measures", "/exports/measures", token, format=format, lang=language, network_id=network_id,
        organisation_id=organisation_id, unit_id=unit_id))


@router.post("/me/calendar-feed", summary="A new secret calendar link for my plan (the old one stops working)")
async def my_calendar_feed(request: Request) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    link = await request.app.state.api.post("sessions", f"/participants/{person.person_id or person.subject}/calendar-feed", token, {})
    # Shown once, on this answer: the service keeps only a hash, and a redirect would have to carry the secret.
    return page_renderer(request).render(request, "calendar_link.html", 201, link=link, back="/me")


@router.post("/cohorts/{cohort_id}/calendar-feed", summary="A coordinator's secret calendar link for a cohort")
async def cohort_calendar_feed(request: Request, cohort_id: str) -> Response:
    _, token = require_signed_in(request)
    await checked_form(request)
    link = await request.app.state.api.post("sessions", f"/cohorts/{cohort_id}/calendar-feed", token, {})
    return page_renderer(request).render(request, "calendar_link.html", 201, link=link, back=f"/cohorts/{cohort_id}")
