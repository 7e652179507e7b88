"""What a certificate of completion (kursbevis) states: the gatherings attended and their hours.

A gathering counts when the participant was there (present, or part of it); an excused
absence may count towards completion by the programme's rule, but it is no attendance to
certify. A multi-day gathering (a two-day kickoff) is stored as one session from the first
morning to the last afternoon, so its hours are the daily hours times the days, not the
night in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from samla_sessions.domain.attendance import AttendanceStatus
from samla_sessions.domain.session import Session, SessionStatus


@dataclass(frozen=True)
class GatheringAttended:
    title: str
    kind: str
    on: date
    until: date
    hours: float


def session_hours(session: Session) -> float:
    """Taught hours of a session in its own time zone: daily hours times the days it spans."""
    zone = ZoneInfo(session.time_zone)
    starts, ends = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    days = (ends.date() - starts.date()).days + 1
    daily = (datetime.combine(starts.date(), ends.time()) - datetime.combine(starts.date(), starts.time()))
    if days == 1 or daily.total_seconds() <= 0:
        return round((ends - starts).total_seconds() / 3600, 2)
    return round(days * daily.total_seconds() / 3600, 2)


def gatherings_attended(sessions: Sequence[Session], participant_id: str) -> list[GatheringAttended]:
    attended = []
    for session in sorted(sessions, key=lambda s: s.starts_at):
        record = session.attendance.get(participant_id)
        if session.status is not SessionStatus.HELD or record is None:
            continue
        if record.status is AttendanceStatus.PRESENT:
            hours = session_hours(session)
        elif record.status is AttendanceStatus.PARTIAL and record.minutes:
            hours = round(record.minutes / 60, 2)
        else:
            continue
        zone = ZoneInfo(session.time_zone)
        attended.append(GatheringAttended(session.title, session.kind.value, session.starts_at.astimezone(zone).date(),
                                          session.ends_at.astimezone(zone).date(), hours))
    return attended
