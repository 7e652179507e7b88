"""Erasure in a session: the person's attendance and what they recorded move to one pseudonym; counts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samla_shared.contract.enrollment import GatheringKind
from samla_sessions.domain.attendance import Attendance, AttendanceStatus, counts
from samla_sessions.domain.session import Session, SessionStatus
from samla_sessions.service_layer.personal_data import pseudonym, renamed

AT = datetime(2026, 10, 5, 9, tzinfo=UTC)


def session_with(*records: Attendance) -> Session:
    return Session(id="s1", cohort_id="c1", programme_id="p1", network_id="n1", kind=GatheringKind.KICKOFF,
                   title="Oppstart", starts_at=AT, ends_at=AT + timedelta(hours=6), time_zone="Europe/Oslo", online=False, mandatory=True,
                   attendance={r.participant_id: r for r in records}, status=SessionStatus.HELD)


def test_the_person_is_replaced_in_their_own_record_and_in_what_they_recorded():
    alias = pseudonym("e1")
    session = session_with(Attendance("ada", AttendanceStatus.PRESENT, None, AT, recorded_by="bo"),
                           Attendance("bo", AttendanceStatus.PARTIAL, 90, AT, recorded_by="bo"))
    before = counts(session.attendance.values())

    assert renamed(session, "bo", alias)

    assert set(session.attendance) == {"ada", alias}
    assert session.attendance["ada"].recorded_by == alias
    assert session.attendance[alias] == Attendance(alias, AttendanceStatus.PARTIAL, 90, AT, recorded_by=alias)
    assert counts(session.attendance.values()) == before


def test_a_session_without_the_person_is_left_alone():
    session = session_with(Attendance("ada", AttendanceStatus.ABSENT, None, AT))
    assert not renamed(session, "bo", pseudonym("e1"))
    assert set(session.attendance) == {"ada"}
