"""A service's sense of time: one type and one default, injectable so tests can move time,
and the calendar day people in the deployment are living in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

# Oslo and Copenhagen share their UTC offsets all year, so one zone gives both countries' calendar day.
NORDIC_ZONE = ZoneInfo("Europe/Oslo")


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_today(now: datetime | None = None, zone: ZoneInfo = NORDIC_ZONE) -> date:
    """The date on the wall where the deployment's people are, not the server's: a server keeps UTC, which
    is still yesterday in Norway and Denmark between midnight and one (two in summer). A follow-up held
    "today", the month of a reading and a form's default date are all this day."""
    return (now or system_clock()).astimezone(zone).date()
