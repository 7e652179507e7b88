"""Interest in the next cohort: "the course is full — tell me when a new one opens".

A registration is for a programme. It is pending until a cohort of that programme is
announced after it; then the notifications service (which learns of both from events)
tells the person, and a later registration by the same person starts a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from samla_enrollment.domain.errors import Conflict


def check_interest(*, programme_archived: bool, cohorts_taking_applications: Sequence[str]) -> None:
    if programme_archived:
        raise Conflict("the programme is archived; no further cohorts will open")
    if cohorts_taking_applications:
        raise Conflict(f"cohort {cohorts_taking_applications[0]} of this programme has free seats and takes "
                       f"applications now; apply there instead",
                       cohort_ids=list(cohorts_taking_applications))


def region_key(region: str | None) -> str | None:
    """Registrations naming the same region the same way count together ("nordland " is "Nordland")."""
    cleaned = " ".join((region or "").split())
    return cleaned[:1].upper() + cleaned[1:] if cleaned else None


def still_pending(*, registered_at: datetime, latest_cohort_announced_at: datetime | None) -> bool:
    return latest_cohort_announced_at is None or registered_at > latest_cohort_announced_at
