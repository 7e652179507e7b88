"""What a certificate counts: gatherings attended and their hours, multi-day gatherings by their days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from samla_shared.contract.enrollment import GatheringKind
from samla_sessions.domain.attendance import Attendance, AttendanceStatus
from samla_sessions.domain.certificate import gatherings_attended, session_hours
from samla_sessions.domain.session import Session, SessionStatus

NOW = datetime(2027, 6, 1, tzinfo=UTC)


def session(id_: str, starts: str, ends: str, *, held: bool = True, **attendance: tuple[str, int | None]) -> Session:
    s = Session(id=id_, cohort_id="c", programme_id="p", network_id="n", kind=GatheringKind.GATHERING,
                title=f"Samling {id_}", starts_at=datetime.fromisoformat(starts), ends_at=datetime.fromisoformat(ends),
                time_zone="Europe/Oslo", online=False, mandatory=True)
    s.attendance = {pid: Attendance(pid, AttendanceStatus(status), minutes, NOW) for pid, (status, minutes)
                    in attendance.items()}
    s.status = SessionStatus.HELD if held else SessionStatus.SCHEDULED
    return s


def test_a_two_day_kickoff_counts_its_daily_hours_twice_not_the_night_between():
    kickoff = session("k", "2027-01-04T08:00:00+00:00", "2027-01-05T15:00:00+00:00")
    assert session_hours(kickoff) == 14


def test_present_counts_the_whole_gathering_partial_its_minutes_and_excused_or_absent_nothing():
    sessions = [
        session("a", "2027-02-01T08:00:00+00:00", "2027-02-01T15:00:00+00:00", ada=("present", None)),
        session("b", "2027-03-01T08:00:00+00:00", "2027-03-01T15:00:00+00:00", ada=("partial", 150)),
        session("c", "2027-04-01T07:00:00+00:00", "2027-04-01T14:00:00+00:00", ada=("excused", None)),
        session("d", "2027-05-03T07:00:00+00:00", "2027-05-03T14:00:00+00:00", ada=("absent", None)),
        session("e", "2027-06-07T07:00:00+00:00", "2027-06-07T14:00:00+00:00", held=False),
    ]
    attended = gatherings_attended(sessions, "ada")
    assert [(g.title, g.on, g.hours) for g in attended] == [("Samling a", date(2027, 2, 1), 7),
                                                            ("Samling b", date(2027, 3, 1), 2.5)]
