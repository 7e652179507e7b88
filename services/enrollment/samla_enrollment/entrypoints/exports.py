"""Spreadsheet exports of a cohort: applicants, waitlist, and the roster with contact details.

Each mirrors a JSON list and is scoped exactly like it: the cohort's network must be the
caller's (another network's cohort answers 404, as its JSON does). Headings and statuses
are written in the programme's language, as the coordinator who prints them reads it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from samla_shared.documents.responses import TABLE_RESPONSES, table_response
from samla_shared.documents.tables import Column, TableFormat
from samla_shared.http.auth import Access

from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.service_layer.exports import CohortExports

router = APIRouter(prefix="/cohorts", tags=["exports"])


def get_exports(request: Request) -> CohortExports:
    return request.app.state.exports


Exports = Annotated[CohortExports, Depends(get_exports)]
Format = Annotated[TableFormat, Query(alias="format", description="csv (UTF-8 with BOM, `;`) or xlsx")]
RESPONSES = TABLE_RESPONSES | {404: {"description": "Unknown cohort, or one outside the caller's networks"}}

HEADINGS: dict[str, dict[str, str]] = {
    "nb": {"position": "Plass", "name": "Navn", "email": "E-post", "phone": "Telefon", "organisation": "Organisasjon",
           "organisation_name": "Organisasjonsnavn", "unit": "Enhet", "unit_name": "Enhetsnavn", "role": "Rolle", "status": "Status", "submitted": "Søkt", "manager": "Leder (id)",
           "participant": "Deltaker (id)", "application": "Søknad (id)", "facilitates": "Fasiliterer for"},
    "da": {"position": "Plads", "name": "Navn", "email": "E-mail", "phone": "Telefon", "organisation": "Organisation",
           "organisation_name": "Organisationsnavn", "unit": "Enhed", "unit_name": "Enhedsnavn", "role": "Rolle", "status": "Status", "submitted": "Ansøgt", "manager": "Leder (id)",
           "participant": "Deltager (id)", "application": "Ansøgning (id)", "facilitates": "Facilitator for"},
    "en": {"position": "Position", "name": "Name", "email": "E-mail", "phone": "Phone", "organisation": "Organisation",
           "organisation_name": "Organisation name", "unit": "Unit", "unit_name": "Unit name", "role": "Role", "status": "Status", "submitted": "Applied", "manager": "Manager (id)",
           "participant": "Participant (id)", "application": "Application (id)", "facilitates": "Facilitates for"},
}
STATUS_WORDS: dict[str, dict[str, str]] = {
    "nb": {"submitted": "sendt", "awaiting_manager_approval": "venter på leder", "approved": "godkjent",
           "enrolled": "har plass", "waitlisted": "venteliste", "withdrawn": "trukket", "declined": "avslått"},
    "da": {"submitted": "sendt", "awaiting_manager_approval": "afventer leder", "approved": "godkendt",
           "enrolled": "har plads", "waitlisted": "venteliste", "withdrawn": "trukket", "declined": "afvist"},
    "en": {s.value: s.value.replace("_", " ") for s in ApplicationStatus},
}


async def _cohort(cohort_id: str, exports: CohortExports, access: Access) -> tuple[dict[str, Any], str]:
    cohort = await exports.cohort(cohort_id)
    access.require(f"cohort {cohort_id}", network_id=cohort["network_id"])
    programme = await exports.programme(cohort["programme_id"])
    return cohort, programme.get("language") or "nb"


async def _sheet(kind: str, cohort: dict[str, Any], exports: CohortExports, fmt: TableFormat) -> str:
    """The worksheet's title: the kind of list and, when the directory knows it, the network's name
    (Excel cuts a title at 31 characters; a CSV has no title, its rows carry the names)."""
    if fmt is TableFormat.CSV:
        return kind
    network = await exports.network_name(cohort["network_id"])
    return f"{kind} – {network}" if network else kind


def _columns(language: str, *names: str) -> list[Column]:
    words, statuses = HEADINGS[language], STATUS_WORDS[language]
    values: dict[str, Any] = {
        "position": "waitlist_position", "name": lambda r: r["person"].get("name"),
        "email": lambda r: r["person"].get("email"), "phone": lambda r: r["person"].get("phone"),
        "organisation": "organisation_id", "organisation_name": "organisation_name", "unit": "unit_id",
        "unit_name": "unit_name", "role": "role",
        "status": lambda r: statuses.get(r["status"], r["status"]), "submitted": "submitted_at",
        "manager": "manager_id", "participant": "participant_id", "application": "_id",
        "facilitates": "facilitator_unit_ids",
    }
    return [Column(words[n], values[n]) for n in names]


def _file_name(kind: str, cohort: dict[str, Any]) -> str:
    return f"{kind}-{cohort.get('term', '')}-{cohort['_id']}"


@router.get("/{cohort_id}/applications/export", response_class=Response, responses=RESPONSES,
            summary="The cohort's applications as CSV or XLSX (status narrows it), with applicants' names")
async def export_applications(cohort_id: str, exports: Exports, access: Access, fmt: Format = TableFormat.CSV,
                              status: ApplicationStatus | None = None) -> Response:
    cohort, language = await _cohort(cohort_id, exports, access)
    rows = await exports.applications(cohort, status)
    columns = _columns(language, "name", "status", "position", "organisation", "organisation_name", "unit",
                       "unit_name", "role", "submitted", "facilitates", "participant", "manager", "application")
    return table_response(fmt, _file_name("applications", cohort), columns, rows,
                          sheet=await _sheet("Applications", cohort, exports, fmt))


@router.get("/{cohort_id}/waitlist/export", response_class=Response, responses=RESPONSES,
            summary="The cohort's waitlist in queue order as CSV or XLSX")
async def export_waitlist(cohort_id: str, exports: Exports, access: Access,
                          fmt: Format = TableFormat.CSV) -> Response:
    cohort, language = await _cohort(cohort_id, exports, access)
    columns = _columns(language, "position", "name", "organisation", "organisation_name", "unit", "unit_name",
                       "role", "submitted", "participant", "application")
    return table_response(fmt, _file_name("waitlist", cohort), columns, await exports.waitlist(cohort),
                          sheet=await _sheet("Waitlist", cohort, exports, fmt))


@router.get("/{cohort_id}/roster/export", response_class=Response, responses=RESPONSES,
            summary="Who holds a seat, with e-mail and phone, as CSV or XLSX (for the venue, the programme owner)")
async def export_roster(cohort_id: str, exports: Exports, access: Access, fmt: Format = TableFormat.CSV) -> Response:
    cohort, language = await _cohort(cohort_id, exports, access)
    columns = _columns(language, "name", "email", "phone", "organisation", "organisation_name", "unit", "unit_name",
                       "role", "participant")
    return table_response(fmt, _file_name("roster", cohort), columns, await exports.roster(cohort),
                          sheet=await _sheet("Roster", cohort, exports, fmt))
