"""Attendance rules: one record per participant and session, and the counts a held session reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from samla_sessions.domain.errors import RuleViolation


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"
    PARTIAL = "partial"


@dataclass(frozen=True)
class Attendance:
    participant_id: str
    status: AttendanceStatus
    minutes: int | None
    recorded_at: datetime
    recorded_by: str | None = None

    def same_as(self, other: Attendance | None) -> bool:
        return other is not None and (self.status, self.minutes) == (other.status, other.minutes)


class MakeUpKind(StrEnum):
    SESSION = "session"  # the same gathering attended with another cohort
    ASSIGNMENT = "assignment"  # an assignment the coordinator set instead


@dataclass(frozen=True)
class MakeUp:
    """What a participant did instead of a mandatory session they missed; it counts toward completion."""

    participant_id: str
    kind: MakeUpKind
    session_id: str | None  # the other cohort's session, for kind session
    note: str | None
    recorded_at: datetime
    recorded_by: str | None = None


def check_make_up(kind: MakeUpKind, session_id: str | None, note: str | None) -> None:
    if kind is MakeUpKind.SESSION and not session_id:
        raise RuleViolation("a make-up in another cohort's session names that session (`session_id`)")
    if kind is MakeUpKind.ASSIGNMENT and not (note and note.strip()):
        raise RuleViolation("a make-up assignment says what the participant did (`note`)")


def check_minutes(status: AttendanceStatus, minutes: int | None, *, session_minutes: int) -> None:
    """Partial attendance says how long the participant took part; the other statuses say nothing of time."""
    if status is AttendanceStatus.PARTIAL:
        if minutes is None:
            raise RuleViolation("partial attendance needs the minutes the participant took part")
        if not 1 <= minutes < session_minutes:
            raise RuleViolation(f"partial attendance is between 1 and {session_minutes - 1} minutes for this session")
    elif minutes is not None:
        raise RuleViolation(f"minutes are recorded only for partial attendance, not for {status.value}")


def counts(records: Iterable[Attendance]) -> dict[str, int]:
    tally = {status.value: 0 for status in AttendanceStatus}
    for record in records:
        tally[record.status.value] += 1
    return tally
