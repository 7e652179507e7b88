"""Completion: every mandatory session attended, with excused absences following the programme's rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_shared.contract.enrollment import CompletionRule, GatheringKind
from samla_sessions.domain.attendance import AttendanceStatus, MakeUp, MakeUpKind
from samla_sessions.domain.completion import progress
from samla_sessions.domain.errors import Conflict
from samla_sessions.domain.session import Session

S = AttendanceStatus
START = datetime(2027, 3, 1, 8, tzinfo=UTC)
AFTER = START + timedelta(days=300)
STRICT, LENIENT = CompletionRule(), CompletionRule(excused_absence_counts_as_attended=True)


def session(number: int, *, mandatory: bool = True, attendance: dict[str, AttendanceStatus] | None = None,
            held: bool = True) -> Session:
    starts = START + timedelta(weeks=6 * number)
    s = Session(id=f"s{number}", cohort_id="c1", programme_id="p1", network_id="n1", kind=GatheringKind.GATHERING,
                title=f"Samling {number}", starts_at=starts, ends_at=starts + timedelta(hours=7),
                time_zone="Europe/Oslo", online=False, mandatory=mandatory)
    for participant, status in (attendance or {}).items():
        s.record_attendance(participant, status, 60 if status is S.PARTIAL else None, rostered={participant},
                            now=AFTER)
    if held:
        s.mark_held(held_at=AFTER, rostered=set(), now=AFTER)
    return s


def completed(participants, sessions, rule=STRICT) -> dict[str, bool]:
    return {p.participant_id: p.completed for p in progress(participants, sessions, rule)}


def test_a_participant_who_attended_every_mandatory_session_completes_and_an_optional_one_does_not_matter():
    sessions = [session(1, attendance={"ada": S.PRESENT, "bo": S.PRESENT}),
                session(2, attendance={"ada": S.PRESENT, "bo": S.ABSENT}),
                session(3, mandatory=False, attendance={"ada": S.ABSENT, "bo": S.PRESENT})]
    assert completed({"ada", "bo"}, sessions) == {"ada": True, "bo": False}
    [_, bo] = progress({"ada", "bo"}, sessions, STRICT)
    assert (bo.attended, bo.required, bo.missed) == (1, 2, ("s2",))


def test_an_excused_absence_counts_only_where_the_programme_says_so():
    sessions = [session(1, attendance={"ada": S.PRESENT}), session(2, attendance={"ada": S.EXCUSED})]
    assert completed({"ada"}, sessions, STRICT) == {"ada": False}
    assert completed({"ada"}, sessions, LENIENT) == {"ada": True}


def test_partial_attendance_counts_as_attending():
    assert completed({"ada"}, [session(1, attendance={"ada": S.PARTIAL})]) == {"ada": True}


def test_nobody_completes_while_a_mandatory_session_is_still_ahead():
    sessions = [session(1, attendance={"ada": S.PRESENT}), session(2, held=False)]
    assert completed({"ada"}, sessions) == {"ada": False}


def test_a_cancelled_mandatory_session_is_no_longer_required():
    cancelled = session(2, held=False)
    cancelled.cancel(reason="storm", now=START)
    assert completed({"ada"}, [session(1, attendance={"ada": S.PRESENT}), cancelled]) == {"ada": True}


def test_a_cohort_without_mandatory_sessions_completes_nobody():
    assert completed({"ada"}, [session(1, mandatory=False, attendance={"ada": S.PRESENT})]) == {"ada": False}


def test_a_made_up_absence_counts_as_attending_and_only_an_absence_can_be_made_up():
    missed = session(1, attendance={"ada": S.PRESENT, "bo": S.ABSENT})
    assert completed(["ada", "bo"], [missed]) == {"ada": True, "bo": False}
    missed.record_make_up(MakeUp("bo", MakeUpKind.ASSIGNMENT, None, "a written reflection", AFTER))
    assert completed(["ada", "bo"], [missed]) == {"ada": True, "bo": True}
    with pytest.raises(Conflict, match="not recorded absent"):
        missed.record_make_up(MakeUp("ada", MakeUpKind.ASSIGNMENT, None, "essay", AFTER))
    ahead = session(2, attendance={"bo": S.ABSENT}, held=False)
    with pytest.raises(Conflict, match="was held"):
        ahead.record_make_up(MakeUp("bo", MakeUpKind.SESSION, "s9", None, AFTER))
