"""How facts from the read model appear to a template: the stable names templates may use.

Values that notifications may not know (a programme published before this service existed,
say) are None rather than missing, and the templates say something sensible without them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from samla_notifications.domain.known_facts import KnownCohort, KnownMeasure, KnownProgramme, KnownSession
from samla_notifications.domain.notices import CalendarEntry


def programme_context(programme: KnownProgramme | None) -> dict[str, Any]:
    return {"title": programme.title if programme else None}


def cohort_context(cohort: KnownCohort | None) -> dict[str, Any]:
    if cohort is None:
        return {"term": None, "location": None, "starts_on": None, "applications_close_at": None}
    return {"term": cohort.term, "location": cohort.location, "starts_on": cohort.starts_on,
            "applications_close_at": cohort.applications_close_at}


def session_context(session: KnownSession, cohort: KnownCohort | None, *,
                    days_before: int | None = None) -> dict[str, Any]:
    online = session.online
    return {
        "kind": session.kind or "gathering",
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "online": online,
        "mandatory": session.mandatory,
        # Sessions carry no venue in the contract; an in-person session is held where its cohort is.
        "location": None if online or cohort is None else cohort.location,
        "previous_starts_at": session.previous_starts_at,
        "reason": session.reason,
        "days_before": days_before,
    }


def measure_context(measure: KnownMeasure, due_on: date | str) -> dict[str, Any]:
    return {"area": measure.area, "due_on": as_date(due_on)}


def as_date(value: date | str | None) -> date | None:
    """Dates are stored as ISO strings (BSON has no date-only type)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def session_mail_context(session: KnownSession, cohort: KnownCohort | None, programme: KnownProgramme | None,
                         *, days_before: int | None = None) -> dict[str, Any]:
    return {"programme": programme_context(programme), "cohort": cohort_context(cohort),
            "session": session_context(session, cohort, days_before=days_before)}


def calendar_entry(session: KnownSession, cohort: KnownCohort | None) -> CalendarEntry:
    context = session_context(session, cohort)
    return CalendarEntry(uid=f"{session.id}@samla", starts_at=session.starts_at, ends_at=session.ends_at,
                         time_zone=session.time_zone, location=context["location"], sequence=session.sequence)
