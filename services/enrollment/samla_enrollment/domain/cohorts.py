"""Cohort rules: the application window in local time, and the cohort's status.

Status runs planned → open → full → closed → running → completed. Planned, open, full
and closed follow from the clock and the seats; a coordinator can close applications
early, reopen them within the window, and mark the cohort running and then completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from samla_enrollment.domain.errors import Conflict, RuleViolation


class CohortStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    RUNNING = "running"
    COMPLETED = "completed"


# States a coordinator sets; the others are derived and cannot be set.
SETTABLE = (CohortStatus.OPEN, CohortStatus.CLOSED, CohortStatus.RUNNING, CohortStatus.COMPLETED)
# States in which a cohort takes no applications whatever the clock says.
NO_APPLICATIONS = (CohortStatus.CLOSED, CohortStatus.RUNNING, CohortStatus.COMPLETED)


@dataclass(frozen=True)
class ApplicationWindow:
    """When applications are taken. Stored in UTC, shown and explained in the cohort's time zone."""

    opens_at: datetime
    closes_at: datetime
    time_zone: str = "Europe/Oslo"

    def __post_init__(self) -> None:
        if self.closes_at <= self.opens_at:
            raise RuleViolation("the application window must close after it opens")

    def contains(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.time_zone))

    def describe(self) -> str:
        return (f"from {self.local(self.opens_at):%Y-%m-%d %H:%M} until {self.local(self.closes_at):%Y-%m-%d %H:%M}"
                f" ({self.time_zone} time)")


def cohort_status(*, manual: CohortStatus | None, window: ApplicationWindow, seats_free: int,
                  now: datetime) -> CohortStatus:
    """The status as a user sees it now: a coordinator's closed/running/completed wins, the rest is derived."""
    if manual in NO_APPLICATIONS:
        return manual
    if now < window.opens_at:
        return CohortStatus.PLANNED
    if now >= window.closes_at:
        return CohortStatus.CLOSED
    return CohortStatus.FULL if seats_free == 0 else CohortStatus.OPEN


def set_status(*, current: CohortStatus, manual: CohortStatus | None, target: CohortStatus,
               window: ApplicationWindow, now: datetime) -> CohortStatus | None:
    """A coordinator moves the cohort to `target`; returns the manual status to store (None = derived again)."""
    if target not in SETTABLE:
        raise RuleViolation(f"'{target.value}' follows from the window and the seats and cannot be set; "
                            f"a coordinator sets one of {', '.join(s.value for s in SETTABLE)}")
    if current is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; its status no longer changes")
    if target is CohortStatus.OPEN:
        if manual is not CohortStatus.CLOSED:
            raise Conflict(f"only a cohort a coordinator closed can be reopened; this one is {current.value}")
        if not window.contains(now):
            raise Conflict(f"the application window has passed ({window.describe()}); it cannot be reopened")
        return None
    if target is CohortStatus.CLOSED:
        if current not in (CohortStatus.PLANNED, CohortStatus.OPEN, CohortStatus.FULL):
            raise Conflict(f"the cohort is already {current.value}")
        return CohortStatus.CLOSED
    if target is CohortStatus.RUNNING:
        if current is CohortStatus.RUNNING:
            raise Conflict("the cohort is already running")
        if current is CohortStatus.PLANNED:
            raise Conflict("applications have not opened yet; a cohort runs after taking applications")
        return CohortStatus.RUNNING
    if current is not CohortStatus.RUNNING:  # target is COMPLETED
        raise Conflict(f"only a running cohort can be completed; this one is {current.value}")
    return CohortStatus.COMPLETED


def has_started(*, status: CohortStatus, starts_on: date | str | None, time_zone: str, now: datetime) -> bool:
    """Has the cohort begun? A coordinator marked it running (or completed), or its first day has come
    in the cohort's own time zone. From then on nobody is moved into it without a coordinator's say."""
    if status in (CohortStatus.RUNNING, CohortStatus.COMPLETED):
        return True
    if starts_on is None:
        return False
    first_day = date.fromisoformat(starts_on) if isinstance(starts_on, str) else starts_on
    return now.astimezone(ZoneInfo(time_zone)).date() >= first_day
