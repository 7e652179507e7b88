"""The session (samling): one gathering of a cohort, its agenda and its attendance.

A session is scheduled, then either cancelled or held. Once held it is a record of what
happened: only attendance may still be corrected. Times are kept in UTC; the session's
time zone (Europe/Oslo or Europe/Copenhagen) is kept beside them for local display.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from samla_shared.contract.enrollment import GatheringKind
from samla_sessions.domain.agenda import AgendaItem, checked_agenda
from samla_sessions.domain.attendance import Attendance, AttendanceStatus, MakeUp, check_minutes, counts
from samla_sessions.domain.errors import Conflict, RuleViolation

# What a participant reads about a session and a coordinator may change without rescheduling it.
REVISABLE_DETAILS = frozenset({"title", "venue", "city", "online_link", "description", "materials", "assignments"})
# Of those, the ones a change may clear (give as null): a place or a link can be dropped, while a
# session always keeps a title and a description, and null materials or assignments mean "as they are"
# (an empty list clears them).
CLEARABLE_DETAILS = frozenset({"venue", "city", "online_link"})

# A kickoff of two days, or a week-long course: longer than two weeks is a typing error.
MAX_SPAN = timedelta(days=14)
TIME_ZONES = ("Europe/Oslo", "Europe/Copenhagen")


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"


@dataclass(frozen=True)
class Material:
    title: str
    url: str


@dataclass(frozen=True)
class Assignment:
    """Work between sessions: a task to practise in one's own assignments, or reading."""

    title: str
    kind: str  # "assignment" or "reading"
    description: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Change:
    """A reschedule or cancellation, kept with its reason."""

    at: datetime
    what: str
    reason: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def details_to_revise(given: Mapping[str, object]) -> dict[str, object]:
    """The changes a revision makes, from the details it names: a null clears a clearable detail and
    leaves any other as it is."""
    return {name: value for name, value in given.items() if value is not None or name in CLEARABLE_DETAILS}


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise RuleViolation("session times need a time zone")
    if ends_at <= starts_at:
        raise RuleViolation("a session must end after it starts")
    if ends_at - starts_at > MAX_SPAN:
        raise RuleViolation(f"a session lasts at most {MAX_SPAN.days} days")


@dataclass
class Session:
    id: str
    cohort_id: str
    programme_id: str
    network_id: str
    kind: GatheringKind
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    online: bool
    mandatory: bool
    venue: str | None = None
    city: str | None = None
    online_link: str | None = None
    description: str = ""
    materials: list[Material] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    agenda: list[AgendaItem] = field(default_factory=list)
    attendance: dict[str, Attendance] = field(default_factory=dict)
    make_ups: dict[str, MakeUp] = field(default_factory=dict)  # participant id -> what made up for missing it
    status: SessionStatus = SessionStatus.SCHEDULED
    held_at: datetime | None = None
    changes: list[Change] = field(default_factory=list)
    plan_step: int | None = None
    version: int = 0

    def __post_init__(self) -> None:
        check_times(self.starts_at, self.ends_at)
        if self.time_zone not in TIME_ZONES:
            raise RuleViolation(f"time zone must be one of {', '.join(TIME_ZONES)}")

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    # -- planning (only while scheduled) ----------------------------------------------------

    def ensure_plannable(self) -> None:
        if self.status is SessionStatus.HELD:
            raise Conflict("the session was held; only its attendance can be corrected")
        if self.status is SessionStatus.CANCELLED:
            raise Conflict("the session is cancelled")

    def reschedule(self, starts_at: datetime, ends_at: datetime, *, reason: str, now: datetime) -> bool:
        """Move the session; its agenda moves with the start. Returns False if nothing moved."""
        self.ensure_plannable()
        check_times(starts_at, ends_at)
        if (starts_at, ends_at) == (self.starts_at, self.ends_at):
            return False
        if not reason.strip():
            raise RuleViolation("a reschedule needs a reason")
        shift = starts_at - self.starts_at
        moved = [item.shifted(shift) for item in self.agenda]
        try:
            self.agenda = checked_agenda(moved, starts_at=starts_at, ends_at=ends_at)
        except RuleViolation as exc:
            raise RuleViolation("the agenda would no longer fit the session; shorten the agenda first",
                                problems=exc.extensions.get("problems")) from exc
        self.starts_at, self.ends_at = starts_at, ends_at
        self.changes.append(Change(at=now, what="rescheduled", reason=reason, starts_at=starts_at, ends_at=ends_at))
        return True

    def cancel(self, *, reason: str, now: datetime) -> None:
        self.ensure_plannable()
        if not reason.strip():
            raise RuleViolation("a cancellation needs a reason")
        self.status = SessionStatus.CANCELLED
        self.changes.append(Change(at=now, what="cancelled", reason=reason))

    def revise(self, **details: object) -> None:
        """Change what a participant reads about the session: title, place, link, materials, work between."""
        self.ensure_plannable()
        unknown = details.keys() - REVISABLE_DETAILS
        if unknown:
            raise RuleViolation(f"these cannot be changed this way: {', '.join(sorted(unknown))}")
        for name, value in details.items():
            setattr(self, name, value)

    def replace_agenda(self, items: Iterable[AgendaItem]) -> None:
        self.ensure_plannable()
        self.agenda = checked_agenda(items, starts_at=self.starts_at, ends_at=self.ends_at)

    # -- attendance and holding ---------------------------------------------------------------

    def record_attendance(
        self, participant_id: str, status: AttendanceStatus, minutes: int | None, *,
        rostered: Set[str], now: datetime, by: str | None = None,
    ) -> Attendance | None:
        """Record one participant's attendance. Returns the new record, or None if it changed nothing.

        Only participants on the cohort's roster can be registered; someone who already has
        a record (and may since have left the cohort) can still have it corrected.
        """
        if self.status is SessionStatus.CANCELLED:
            raise Conflict("the session is cancelled; it has no attendance")
        if now < self.starts_at:
            raise Conflict("attendance is recorded once the session has begun")
        if participant_id not in rostered and participant_id not in self.attendance:
            raise RuleViolation(f"participant {participant_id} is not on the cohort's roster")
        check_minutes(status, minutes, session_minutes=self.minutes)
        record = Attendance(participant_id, status, minutes, now, by)
        if record.same_as(self.attendance.get(participant_id)):
            return None
        self.attendance[participant_id] = record
        return record

    def record_make_up(self, make_up: MakeUp) -> None:
        """A participant absent from this held, mandatory session made up for it (another cohort's session of
        the same gathering, or an assignment); it then counts toward their completion."""
        if self.status is not SessionStatus.HELD:
            raise Conflict("a make-up is recorded for a session that was held")
        if not self.mandatory:
            raise Conflict("the session is not mandatory; missing it does not stand in the way of completing")
        record = self.attendance.get(make_up.participant_id)
        if record is None or record.status not in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED):
            raise Conflict(f"participant {make_up.participant_id} is not recorded absent from this session")
        if make_up.session_id == self.id:
            raise RuleViolation("a make-up is another session than the one missed")
        self.make_ups[make_up.participant_id] = make_up

    def mark_held(self, *, held_at: datetime, rostered: Set[str], now: datetime) -> dict[str, int]:
        """Close the session as held. Rostered participants without a record are recorded absent.

        Returns the attendance counts. Recording the missing ones as absent (rather than
        refusing) matches how coordinators work: they tick who came, and can correct later.
        """
        self.ensure_plannable()
        if now < self.starts_at:
            raise Conflict("a session can be marked held once it has begun")
        if held_at < self.starts_at or held_at > now:
            raise RuleViolation("held_at lies between the session's start and now")
        for participant_id in sorted(rostered - self.attendance.keys()):
            self.attendance[participant_id] = Attendance(participant_id, AttendanceStatus.ABSENT, None, now,
                                                         "unrecorded-when-held")
        self.status = SessionStatus.HELD
        self.held_at = held_at
        return self.counts()

    def counts(self) -> dict[str, int]:
        return counts(self.attendance.values())
