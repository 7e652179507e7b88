"""Documents of sessions: attendance and completion exports, the sign-in sheet, certificates.

Scoped like the JSON they mirror: a cohort or session outside the caller's networks
answers 404. A participant fetches their own certificate only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from samla_shared.documents.responses import (
    PDF,
    PDF_RESPONSES,
    TABLE_RESPONSES,
    ZIP,
    ZIP_RESPONSES,
    file_response,
    table_response,
)
from samla_shared.documents.tables import Column, TableFormat
from samla_shared.http.auth import Access

from samla_sessions.adapters.printing import (
    attendance_sheet_pdf,
    certificate_file_name,
    certificate_pdf,
    certificates_zip,
)
from samla_sessions.domain.cohort import KnownCohort
from samla_sessions.service_layer.documents import SessionDocuments
from samla_sessions.service_layer.sessions import SessionService

cohorts = APIRouter(prefix="/cohorts", tags=["documents"])
sessions = APIRouter(prefix="/sessions", tags=["documents"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown cohort, session or participant, or one outside the caller's reach"},
    503: {"description": "Enrollment, which keeps the names, could not be asked; retry later"}}


def get_documents(request: Request) -> SessionDocuments:
    return request.app.state.documents


Documents = Annotated[SessionDocuments, Depends(get_documents)]
Format = Annotated[TableFormat, Query(alias="format", description="csv (UTF-8 with BOM, `;`) or xlsx")]

HEADINGS: dict[str, dict[str, str]] = {
    "nb": {"name": "Navn", "organisation": "Organisasjon", "status": "Oppmøte", "minutes": "Minutter",
           "recorded": "Registrert", "session": "Samling", "starts": "Start", "completed": "Fullført",
           "completed_at": "Fullført dato", "attended": "Obligatoriske deltatt", "required": "Obligatoriske",
           "missed": "Uteblitt", "participant": "Deltaker (id)"},
    "da": {"name": "Navn", "organisation": "Organisation", "status": "Fremmøde", "minutes": "Minutter",
           "recorded": "Registreret", "session": "Samling", "starts": "Start", "completed": "Gennemført",
           "completed_at": "Gennemført dato", "attended": "Obligatoriske deltaget", "required": "Obligatoriske",
           "missed": "Udeblevet", "participant": "Deltager (id)"},
    "en": {"name": "Name", "organisation": "Organisation", "status": "Attendance", "minutes": "Minutes",
           "recorded": "Recorded", "session": "Session", "starts": "Starts", "completed": "Completed",
           "completed_at": "Completed on", "attended": "Mandatory attended", "required": "Mandatory",
           "missed": "Missed", "participant": "Participant (id)"},
}
ATTENDANCE_WORDS: dict[str, dict[str, str]] = {
    "nb": {"present": "til stede", "absent": "fravær", "excused": "gyldig fravær", "partial": "delvis"},
    "da": {"present": "til stede", "absent": "fravær", "excused": "lovligt fravær", "partial": "delvis"},
    "en": {"present": "present", "absent": "absent", "excused": "excused", "partial": "partial"},
}


def _columns(language: str, *names: str) -> list[Column]:
    words = HEADINGS.get(language, HEADINGS["nb"])
    statuses = ATTENDANCE_WORDS.get(language, ATTENDANCE_WORDS["nb"])
    values: dict[str, Any] = {
        "status": lambda r: statuses.get(r["status"], r["status"]), "recorded": "recorded_at", "starts": "starts_at",
        "participant": "participant_id", "completed": lambda r: _yes(language, r["completed"]),
    }
    return [Column(words[n], values.get(n, n)) for n in names]


def _yes(language: str, value: bool) -> str:
    return {"nb": ("ja", "nei"), "da": ("ja", "nej"), "en": ("yes", "no")}.get(language, ("ja", "nei"))[0 if value
                                                                                                        else 1]


async def _language(service: SessionService, programme_id: str) -> str:
    programme = await service.roster.programme(programme_id)
    return programme.language if programme else "nb"


async def _visible_cohort(cohort_id: str, documents: SessionDocuments, access: Access,
                          participant_id: str | None = None) -> KnownCohort:
    cohort = await documents.sessions.cohort(cohort_id)
    access.require(f"cohort {cohort_id}", network_id=cohort.network_id,
                   person_ids=[participant_id] if participant_id else [])
    return cohort


@sessions.get("/{session_id}/attendance/export", response_class=Response, responses=TABLE_RESPONSES | NOT_FOUND,
              summary="The session's attendance by name as CSV or XLSX")
async def export_attendance(session_id: str, documents: Documents, access: Access,
                            fmt: Format = TableFormat.CSV) -> Response:
    session = await documents.sessions.get(session_id)
    access.require(f"session {session_id}", network_id=session.network_id)
    language = await _language(documents.sessions, session.programme_id)
    columns = _columns(language, "name", "organisation", "status", "minutes", "recorded", "session", "starts",
                       "participant")
    return table_response(fmt, f"attendance-{session.starts_at:%Y-%m-%d}-{session_id}", columns,
                          await documents.attendance_rows(session), sheet="Attendance")


@sessions.get("/{session_id}/attendance-sheet", response_class=Response, responses=PDF_RESPONSES | NOT_FOUND,
              summary="A printable sign-in sheet for the gathering: names, organisation, a line to sign")
async def attendance_sheet(session_id: str, documents: Documents, access: Access) -> Response:
    session = await documents.sessions.get(session_id)
    access.require(f"session {session_id}", network_id=session.network_id)
    sheet = await documents.attendance_sheet(session)
    return file_response(attendance_sheet_pdf(sheet), f"attendance-sheet-{session.starts_at:%Y-%m-%d}.pdf", PDF,
                         inline=True)


@cohorts.get("/{cohort_id}/completions/export", response_class=Response, responses=TABLE_RESPONSES | NOT_FOUND,
             summary="Who completed the cohort and everyone's progress, by name, as CSV or XLSX")
async def export_completions(cohort_id: str, documents: Documents, access: Access,
                             fmt: Format = TableFormat.CSV) -> Response:
    cohort = await _visible_cohort(cohort_id, documents, access)
    language = await _language(documents.sessions, cohort.programme_id)
    columns = _columns(language, "name", "organisation", "completed", "completed_at", "attended", "required",
                       "missed", "participant")
    return table_response(fmt, f"completions-{cohort.term}-{cohort_id}", columns,
                          await documents.completion_rows(cohort_id), sheet="Completions")


@cohorts.get("/{cohort_id}/certificates", response_class=Response, responses=ZIP_RESPONSES | NOT_FOUND,
             summary="Every completed participant's certificate of completion, one PDF each, in one ZIP")
async def all_certificates(cohort_id: str, documents: Documents, access: Access) -> Response:
    cohort = await _visible_cohort(cohort_id, documents, access)
    found = await documents.certificates(cohort_id)
    return file_response(certificates_zip(found), f"certificates-{cohort.term}-{cohort_id}.zip", ZIP)


@cohorts.get("/{cohort_id}/certificates/{participant_id}", response_class=Response,
             responses=PDF_RESPONSES | NOT_FOUND,
             summary="One participant's certificate of completion (the participant's own, or a coordinator's)",
             description="In the programme's language (nb, da, en): programme, cohort, gatherings attended, hours, "
                         "the methods of the curriculum and the issuing network. 404 until the participant completed.")
async def certificate(cohort_id: str, participant_id: str, documents: Documents, access: Access) -> Response:
    await _visible_cohort(cohort_id, documents, access, participant_id)
    [found] = await documents.certificates(cohort_id, participant_id)
    return file_response(certificate_pdf(found), certificate_file_name(found), PDF, inline=True)


ROUTERS = (cohorts, sessions)
