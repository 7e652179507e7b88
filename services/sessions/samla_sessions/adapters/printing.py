"""The printed documents of sessions: the attendance sheet and the certificate of completion, as PDF.

Laid out with fpdf2 through samla_shared.documents.pdf (DejaVu Sans, so æ ø å print).
The certificate speaks the programme's language (nb, da or en); so does the sheet.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from samla_shared.documents.pdf import FAMILY, new_document, render
from samla_sessions.service_layer.documents import AttendanceSheet, Certificate

TEXTS: dict[str, dict[str, str]] = {
    "nb": {"sheet": "Oppmøteliste", "name": "Navn", "organisation": "Organisasjon", "signature": "Signatur",
           "certificate": "Kursbevis", "certifies": "Det bekreftes at", "completed": "har fullført",
           "cohort": "Kull", "gatherings": "Samlinger deltatt på", "hours": "Timer", "total": "Til sammen",
           "methods": "Metoder i programmet", "issued_by": "Utstedt av", "date": "Dato", "place": "Sted",
           "online": "Digitalt", "participants": "deltakere", "hours_unit": "t"},
    "da": {"sheet": "Fremmødeliste", "name": "Navn", "organisation": "Organisation", "signature": "Underskrift",
           "certificate": "Kursusbevis", "certifies": "Det bekræftes, at", "completed": "har gennemført",
           "cohort": "Hold", "gatherings": "Deltaget i", "hours": "Timer", "total": "I alt",
           "methods": "Metoder i forløbet", "issued_by": "Udstedt af", "date": "Dato", "place": "Sted",
           "online": "Digitalt", "participants": "deltagere", "hours_unit": "t"},
    "en": {"sheet": "Attendance sheet", "name": "Name", "organisation": "Organisation", "signature": "Signature",
           "certificate": "Certificate of completion", "certifies": "This is to certify that",
           "completed": "has completed", "cohort": "Cohort", "gatherings": "Gatherings attended", "hours": "Hours",
           "total": "In total", "methods": "Methods of the curriculum", "issued_by": "Issued by", "date": "Date",
           "place": "Place", "online": "Online", "participants": "participants", "hours_unit": "h"},
}


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["nb"])


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def method_title(method_id: str) -> str:
    """A curriculum method id as readable words, when the toolbox (in measures) could not name it."""
    words = method_id.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def attendance_sheet_pdf(sheet: AttendanceSheet) -> bytes:
    t = _texts(sheet.language)
    session = sheet.session
    zone = ZoneInfo(session.time_zone)
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    pdf = new_document(title=f"{t['sheet']}: {session.title}")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 9, f"{t['sheet']} – {session.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    when = f"{_day(starts.date())} {starts:%H:%M}–{ends:%H:%M}" if starts.date() == ends.date() else \
        f"{_day(starts.date())} {starts:%H:%M} – {_day(ends.date())} {ends:%H:%M}"
    place = t["online"] if session.online else ", ".join(p for p in (session.venue, session.city) if p)
    for line in (f"{sheet.programme_title} · {t['cohort']} {sheet.cohort_term}", f"{t['date']}: {when}",
                 f"{t['place']}: {place}" if place else "", f"{len(sheet.lines)} {t['participants']}"):
        if line:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (62, 58, 70)
    row_height = 11  # room to sign by hand

    def heading() -> None:
        pdf.set_font(FAMILY, "B", 10)
        for width, text in zip(widths, (t["name"], t["organisation"], t["signature"]), strict=True):
            pdf.cell(width, 8, text, border=1)
        pdf.ln(8)
        pdf.set_font(FAMILY, "", 10)

    heading()
    for line in sheet.lines:
        if pdf.will_page_break(row_height):
            pdf.add_page()
            heading()
        pdf.cell(widths[0], row_height, _fit(pdf, line.name, widths[0]), border=1)
        pdf.cell(widths[1], row_height, _fit(pdf, line.organisation, widths[1]), border=1)
        pdf.cell(widths[2], row_height, "", border=1)
        pdf.ln(row_height)
    return render(pdf)


def _fit(pdf, text: str, width: float) -> str:
    """Shorten text that would run into the next column (an ellipsis says so)."""
    if pdf.get_string_width(text) <= width - 3:
        return text
    while text and pdf.get_string_width(text + "…") > width - 3:
        text = text[:-1]
    return text + "…"


def certificate_pdf(certificate: Certificate) -> bytes:
    t = _texts(certificate.language)
    pdf = new_document(title=f"{t['certificate']}: {certificate.name}")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 26)
    pdf.ln(12)
    pdf.cell(0, 14, t["certificate"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(0, 8, t["certifies"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 20)
    pdf.cell(0, 12, certificate.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 12)
    pdf.cell(0, 8, t["completed"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 9, certificate.programme_title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 12)
    cohort = f"{t['cohort']} {certificate.cohort_term}" + (f", {certificate.cohort_location}"
                                                          if certificate.cohort_location else "")
    pdf.cell(0, 8, cohort, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 8, t["gatherings"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    for gathering in certificate.gatherings:
        days = _day(gathering.on) if gathering.on == gathering.until else \
            f"{_day(gathering.on)}–{_day(gathering.until)}"
        pdf.cell(40, 7, days)
        pdf.cell(120, 7, _fit(pdf, gathering.title, 120))
        pdf.cell(0, 7, f"{_hours(gathering.hours)} {t['hours_unit']}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(160, 8, f"{t['total']} ({t['hours'].lower()})")
    pdf.cell(0, 8, f"{_hours(certificate.hours)} {t['hours_unit']}", align="R", new_x="LMARGIN", new_y="NEXT")

    if certificate.methods:
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 12)
        pdf.cell(0, 8, t["methods"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 11)
        for method in certificate.methods:
            title = certificate.method_names.get(method) or method_title(method)
            pdf.cell(0, 6, f"• {title}", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(12)
    completed = certificate.completed_at.astimezone(ZoneInfo("Europe/Oslo")).date()
    pdf.cell(0, 7, f"{t['issued_by']}: {certificate.network_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"{t['date']}: {_day(completed)}", new_x="LMARGIN", new_y="NEXT")
    return render(pdf)


def certificate_file_name(certificate: Certificate) -> str:
    t = _texts(certificate.language)
    return f"{t['certificate']} - {certificate.name}.pdf"


def certificates_zip(certificates: Sequence[Certificate]) -> bytes:
    """One PDF per completed participant; names kept in UTF-8 in the archive (ZIP's language flag)."""
    out = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            name = _unique(_safe_file_name(certificate_file_name(certificate)), used)
            archive.writestr(name, certificate_pdf(certificate))
    return out.getvalue()


def _safe_file_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", name)


def _unique(name: str, used: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 2
    while candidate in used:  # two participants of the same name
        candidate, n = f"{stem} ({n}){dot}{suffix}", n + 1
    used.add(candidate)
    return candidate
