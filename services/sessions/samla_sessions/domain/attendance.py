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
