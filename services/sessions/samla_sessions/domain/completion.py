"""Completion: a participant completes a cohort by attending every mandatory session.

Only a cohort whose mandatory sessions are all behind it (held, or cancelled and so no
longer required) can be completed; while one is still scheduled nobody has completed.
A make-up the coordinator recorded for a missed session (the same gathering with another
cohort, or an assignment) counts as attending it. Present counts as attended, and so does partial attendance: the coordinator chose
"partial" rather than "absent", and can correct it. Whether an excused absence counts is
the programme's rule (`CompletionRule.excused_absence_counts_as_attended`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from samla_shared.contract.enrollment import CompletionRule
from samla_sessions.domain.attendance import Attendance, AttendanceStatus
from samla_sessions.domain.session import Session, SessionStatus


@dataclass(frozen=True)
class CompletionRecord:
    """A participant's completion of a cohort as recorded: completed, or revoked by a correction."""

    cohort_id: str
    participant_id: str
    network_id: str
    organisation_id: str | None
    status: str  # "completed" or "revoked"
    completed_at: datetime


@dataclass(frozen=True)
class Progress:
    participant_id: str
    required: int
    attended: int
    missed: tuple[str, ...]  # ids of held mandatory sessions the participant did not attend
    completed: bool


def counts_as_attended(record: Attendance | None, rule: CompletionRule) -> bool:
    if record is None:
        return False
    if record.status is AttendanceStatus.EXCUSED:
        return rule.excused_absence_counts_as_attended
    return record.status in (AttendanceStatus.PRESENT, AttendanceStatus.PARTIAL)


def mandatory_sessions(sessions: Iterable[Session]) -> list[Session]:
    return [s for s in sessions if s.mandatory and s.status is not SessionStatus.CANCELLED]


def cohort_is_complete(sessions: Sequence[Session]) -> bool:
    """Every mandatory session is held (and there is at least one)."""
    required = mandatory_sessions(sessions)
    return bool(required) and all(s.status is SessionStatus.HELD for s in required)


def progress(participant_ids: Iterable[str], sessions: Sequence[Session], rule: CompletionRule) -> list[Progress]:
    required = mandatory_sessions(sessions)
    finished = cohort_is_complete(sessions)
    result = []
    for participant_id in sorted(set(participant_ids)):
        held = [s for s in required if s.status is SessionStatus.HELD]
        missed = tuple(s.id for s in held if not counts_as_attended(s.attendance.get(participant_id), rule)
                       and participant_id not in s.make_ups)
        attended = len(held) - len(missed)
        result.append(Progress(participant_id, required=len(required), attended=attended, missed=missed,
                               completed=finished and not missed))
    return result
