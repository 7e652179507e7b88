"""What notifications knows of other services' programmes and cohorts, as the use cases read it.

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
