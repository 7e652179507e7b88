"""Session rules: rescheduling and cancelling with reasons, attendance of rostered participants, held is final."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_shared.contract.enrollment import GatheringKind
from samla_sessions.domain.agenda import AgendaItem, AgendaItemKind
from samla_sessions.domain.attendance import AttendanceStatus
from samla_sessions.domain.errors import Conflict, RuleViolation
from samla_sessions.domain.session import Material, Session, SessionStatus, details_to_revise

START = datetime(2027, 3, 1, 8, tzinfo=UTC)
AFTER = START + timedelta(days=2)
S = AttendanceStatus


def gathering(**more) -> Session:
    return Session(id="s1", cohort_id="c1", programme_id="p1", network_id="n1", kind=GatheringKind.GATHERING,
                   title="Samling", starts_at=START, ends_at=START + timedelta(hours=7), time_zone="Europe/Oslo",
                   online=False, mandatory=True, **more)


def test_a_session_must_end_after_it_starts_and_may_span_days_but_not_weeks():
    with pytest.raises(RuleViolation, match="end after it starts"):
        gathering().reschedule(START, START, reason="typo", now=START)
    with pytest.raises(RuleViolation, match="at most 14 days"):
        gathering().reschedule(START, START + timedelta(days=15), reason="typo", now=START)
    two_days = gathering()
    assert two_days.reschedule(START, START + timedelta(days=1, hours=7), reason="kickoff lasts two days", now=START)


def test_rescheduling_needs_a_reason_and_carries_the_agenda_along():
    session = gathering(agenda=[AgendaItem(START, START + timedelta(hours=1), "Welcome", AgendaItemKind.WELCOME)])
    with pytest.raises(RuleViolation, match="needs a reason"):
        session.reschedule(START + timedelta(days=7), START + timedelta(days=7, hours=7), reason=" ", now=START)
    session.reschedule(START + timedelta(days=7), START + timedelta(days=7, hours=7), reason="venue flooded",
                       now=START)
    assert session.agenda[0].starts_at == START + timedelta(days=7)
    assert [(c.what, c.reason) for c in session.changes] == [("rescheduled", "venue flooded")]


def test_a_reschedule_that_would_cut_off_agenda_items_is_refused():
    session = gathering(agenda=[AgendaItem(START + timedelta(hours=5), START + timedelta(hours=6), "Summary",
                                           AgendaItemKind.SUMMARY)])
    with pytest.raises(RuleViolation, match="no longer fit"):
        session.reschedule(START, START + timedelta(hours=3), reason="shorter day", now=START)


def test_only_rostered_participants_can_be_registered():
    session = gathering()
    with pytest.raises(RuleViolation, match="not on the cohort's roster"):
        session.record_attendance("stranger", S.PRESENT, None, rostered={"p1"}, now=AFTER)
    assert session.record_attendance("p1", S.PRESENT, None, rostered={"p1"}, now=AFTER) is not None


def test_partial_attendance_needs_minutes_and_only_partial_attendance_has_them():
    session = gathering()
    with pytest.raises(RuleViolation, match="needs the minutes"):
        session.record_attendance("p1", S.PARTIAL, None, rostered={"p1"}, now=AFTER)
    with pytest.raises(RuleViolation, match="only for partial"):
        session.record_attendance("p1", S.PRESENT, 90, rostered={"p1"}, now=AFTER)
    with pytest.raises(RuleViolation, match="between 1 and 419"):
        session.record_attendance("p1", S.PARTIAL, 420, rostered={"p1"}, now=AFTER)
    assert session.record_attendance("p1", S.PARTIAL, 180, rostered={"p1"}, now=AFTER).minutes == 180


def test_attendance_waits_until_the_session_has_begun():
    with pytest.raises(Conflict, match="once the session has begun"):
        gathering().record_attendance("p1", S.PRESENT, None, rostered={"p1"}, now=START - timedelta(minutes=1))


def test_marking_held_records_unrecorded_participants_absent_and_counts_everyone():
    session = gathering()
    session.record_attendance("p1", S.PRESENT, None, rostered={"p1", "p2", "p3"}, now=AFTER)
    session.record_attendance("p2", S.EXCUSED, None, rostered={"p1", "p2", "p3"}, now=AFTER)
    counts = session.mark_held(held_at=AFTER, rostered={"p1", "p2", "p3"}, now=AFTER)
    assert counts == {"present": 1, "absent": 1, "excused": 1, "partial": 0}
    assert session.status is SessionStatus.HELD and session.attendance["p3"].status is S.ABSENT


def test_a_held_session_is_immutable_except_for_attendance_corrections():
    session = gathering()
    session.mark_held(held_at=AFTER, rostered={"p1"}, now=AFTER)
    with pytest.raises(Conflict, match="only its attendance"):
        session.reschedule(START, START + timedelta(hours=8), reason="late", now=AFTER)
    with pytest.raises(Conflict):
        session.replace_agenda([])
    with pytest.raises(Conflict):
        session.cancel(reason="never mind", now=AFTER)
    with pytest.raises(Conflict):
        session.revise(title="Another title")
    corrected = session.record_attendance("p1", S.PRESENT, None, rostered=set(), now=AFTER)
    assert corrected is not None and session.counts()["present"] == 1
    assert session.record_attendance("p1", S.PRESENT, None, rostered=set(), now=AFTER) is None  # no change


def test_held_at_cannot_be_before_the_start_or_in_the_future():
    with pytest.raises(RuleViolation, match="between the session's start and now"):
        gathering().mark_held(held_at=START - timedelta(hours=1), rostered=set(), now=AFTER)
    with pytest.raises(RuleViolation):
        gathering().mark_held(held_at=AFTER + timedelta(hours=1), rostered=set(), now=AFTER)


def test_a_cancelled_session_has_no_attendance_and_cannot_be_held():
    session = gathering()
    session.cancel(reason="too few participants", now=START)
    with pytest.raises(Conflict, match="cancelled"):
        session.record_attendance("p1", S.PRESENT, None, rostered={"p1"}, now=AFTER)
    with pytest.raises(Conflict, match="cancelled"):
        session.mark_held(held_at=AFTER, rostered={"p1"}, now=AFTER)


def test_a_null_clears_a_place_or_a_link_but_leaves_title_description_and_lists_as_they_are():
    given = {"title": None, "description": None, "materials": None, "assignments": None,
             "venue": None, "city": None, "online_link": None}
    assert details_to_revise(given) == {"venue": None, "city": None, "online_link": None}


def test_named_values_are_revised_and_an_empty_list_clears_the_materials():
    given = {"title": "Samling 2", "description": "", "materials": [], "venue": "Rådhuset"}
    assert details_to_revise(given) == given
    session = gathering(materials=[Material("Plan", "https://example.org/plan")], venue="Biblioteket",
                        online_link="https://example.org/meet")
    session.revise(**details_to_revise({"title": None, "materials": [], "online_link": None, "venue": "Rådhuset"}))
    assert (session.title, session.materials, session.online_link, session.venue) == (
        "Samling", [], None, "Rådhuset")


def test_only_what_participants_read_can_be_revised_and_not_once_held():
    with pytest.raises(RuleViolation, match="cannot be changed this way: kind"):
        gathering().revise(kind="closing")
    held = gathering()
    held.mark_held(held_at=AFTER, rostered=set(), now=AFTER)
    with pytest.raises(Conflict, match="was held"):
        held.revise(title="Too late")
