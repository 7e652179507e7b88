"""What notifications knows of other services' facts (programmes, cohorts, sessions, applications,
interest in a programme, measures), as the use cases read it.

The read model's store maps its rows to these records (the stored spelling and `_id` stay in
`adapters/read_model.py`). Most facts may be unknown (None): a row can predate a field, or be
written from a later event than the one that first told of it, and the mails then say something
sensible without it. Those every row has (a session's times, an interest's person) are required.
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


@dataclass(frozen=True)
class KnownApplication:
    """Who applied to which cohort, who approves it, and whether it is still waiting for a decision."""

    id: str
    cohort_id: str | None = None
    programme_id: str | None = None
    participant_id: str | None = None
    manager_id: str | None = None
    requires_manager_approval: bool | None = None  # None: its submission came before this service listened
    approval_step: int = 1  # the step of the approval chain it waits at
    status: str | None = None  # approved, declined or withdrawn once settled; None while waiting


@dataclass(frozen=True)
class KnownInterest:
    """Someone who asked to hear when a programme opens its next cohort."""

    id: str
    programme_id: str
    person_id: str
    network_id: str | None = None
    registered_at: datetime | None = None
    notified_for: str | None = None  # the cohort they were told of


@dataclass(frozen=True)
class KnownMeasure:
    """A measure's area and the people who hear about its follow-ups."""

    id: str
    area: str | None = None
    people: tuple[str, ...] = ()
    status: str | None = None  # proposed, adopted, in_practice or closed
    network_id: str | None = None
    organisation_id: str | None = None
