"""When a cohort has started, and where a coordinator may move a participant, as enrollment rules them.

Enrollment refuses a transfer into a cohort that has started (409) and defers to the cohort whose
applications open next; the portal offers only what it would accept, and says in advance which
cohort a deferral lands in. Once a cohort has started, nobody is moved into a freed seat without a
coordinator's say: the cohort page offers the seat to the next in the queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo


def has_started(cohort: Mapping[str, Any], now: datetime) -> bool:
    """A coordinator marked it running (or completed), or its first day has come in its own time zone."""
    if cohort.get("status") in ("running", "completed"):
        return True
    starts_on = cohort.get("starts_on")
    if not starts_on:
        return False
    zone = ZoneInfo(str(cohort.get("time_zone") or "Europe/Oslo"))
    return now.astimezone(zone).date() >= date.fromisoformat(str(starts_on)[:10])


def transfer_targets(current: Mapping[str, Any], cohorts: Sequence[Mapping[str, Any]],
                     now: datetime) -> list[Mapping[str, Any]]:
    """The programme's other cohorts that have not started, the earliest first."""
    return sorted((c for c in cohorts if c["id"] != current["id"] and c.get("programme_id") == current.get(
        "programme_id") and not has_started(c, now)), key=lambda c: (_opens(c), c["id"]))


def next_cohort(current: Mapping[str, Any], cohorts: Sequence[Mapping[str, Any]],
                now: datetime) -> Mapping[str, Any] | None:
    """Where a deferral lands: the cohort whose applications open next after the current one's."""
    later = [c for c in transfer_targets(current, cohorts, now) if _opens(c) > _opens(current)]
    return later[0] if later else None


def may_offer_a_seat(cohort: Mapping[str, Any], now: datetime) -> bool:
    """After the start a freed seat waits for the coordinator: one is free and someone waits for it."""
    return (has_started(cohort, now) and cohort.get("status") != "completed"
            and int(cohort.get("seats_free") or 0) > 0 and int(cohort.get("waitlist_length") or 0) > 0)


def _opens(cohort: Mapping[str, Any]) -> datetime:
    opens = datetime.fromisoformat(str(cohort["applications_open_at"]))
    # Enrollment shows the window in the cohort's time zone, with its offset; one without is read there too.
    return opens if opens.tzinfo else opens.replace(tzinfo=ZoneInfo(str(cohort.get("time_zone") or "Europe/Oslo")))
