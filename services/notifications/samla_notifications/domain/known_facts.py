"""What notifications knows of other services' programmes, cohorts and sessions, as the use cases read it.

The read model's store maps its rows to these records (the stored spelling and `_id` stay in
`adapters/read_model.py`). Every fact but the id may be unknown: a row can predate a field, or
be written from a later event than the one that first told of it, and the mails then say
something sensible without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class KnownProgramme:
    id: str
    title: str | None = None
    language: str | None = None
    network_id: str | None = None


@dataclass(frozen=True)
class KnownCohort:
    id: str
    programme_id: str | None = None
    network_id: str | None = None
    term: str | None = None
    location: str | None = None
    time_zone: str | None = None
    applications_open_at: datetime | None = None
    applications_close_at: datetime | None = None
    starts_on: date | None = None


@dataclass(frozen=True)
class KnownSession:
    """A gathering of a cohort as its last scheduling event told it (and how it moved since)."""

    id: str
    cohort_id: str
    network_id: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    programme_id: str | None = None
    kind: str | None = None  # None when only a rescheduling told of it
    online: bool = False
    mandatory: bool = False
    status: str | None = None  # scheduled or cancelled
    sequence: int = 0  # how often it moved: the calendar entry's version
    schedule_event_id: str | None = None
    previous_starts_at: datetime | None = None
    reason: str | None = None
