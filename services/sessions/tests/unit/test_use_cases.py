"""Sessions' use cases against the in-memory stores: planning, changing, attendance, holding, completion.

The same use cases run against FerretDB in tests/integration; these show the rules and the
events each write stages, without a stack. `world` (conftest.py) is bootstrap's wiring over
tests/fakes.py, its clock starting before the first session.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import GatheringKind, ParticipantErased
from samla_shared.contract.sessions import (
    AttendanceCorrected,
    MakeUpRecorded,
    ParticipantCompleted,
    SessionHeld,
    SessionRescheduled,
    SessionScheduled,
)
from samla_sessions.domain.agenda import AgendaItemKind
from samla_sessions.domain.attendance import AttendanceStatus, MakeUpKind
from samla_sessions.domain.errors import Conflict, NotFound, RuleViolation
from samla_sessions.domain.session import SessionStatus, details_to_revise
from samla_sessions.service_layer.sessions import AgendaItemDraft, AttendanceEntry, SessionDraft

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
START = datetime(2027, 1, 11, 8, tzinfo=UTC)  # 09:00 in Oslo
PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT


async def given_cohort(world, *, participants=("ola", "kari"), plan=()) -> None:
    await world.roster.remember("programmes", "p1", {
        "programme_id": "p1", "title": "Kulturkompetanse", "language": "nb", "gathering_plan": list(plan),
        "completion_rule": {}}, AS_OF)
    await world.roster.remember("cohorts", "c1", {
        "cohort_id": "c1", "programme_id": "p1", "network_id": "n1", "term": "Vår 2027", "location": "Bergen",
        "time_zone": "Europe/Oslo"}, AS_OF)
    for sequence, participant in enumerate(participants, 1):
        await world.roster.enter(cohort_id="c1", application_id=f"a-{participant}", sequence=sequence, fields={
            "participant_id": participant, "organisation_id": "o1", "unit_id": "u1", "network_id": "n1",
            "status": "enrolled", "via": "offer", "enrolled_at": AS_OF + timedelta(minutes=sequence)})


def a_day(**more) -> SessionDraft:
    return SessionDraft(kind=GatheringKind.GATHERING, starts_at=START, ends_at=START + timedelta(hours=7), **more)


async def held_with(world, present: list[str]):
    """One mandatory session, held with `present` there (the rest of the roster is recorded absent)."""
    session = await world.wired.sessions.schedule("c1", a_day())
    world.clock.now = START + timedelta(hours=8)
    await world.wired.sessions.record_attendance(session.id, [AttendanceEntry(p, PRESENT) for p in present])
    return await world.wired.sessions.mark_held(session.id)


async def test_a_coordinator_plans_a_session_with_its_agenda_and_its_scheduling_is_staged_with_it(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day(venue="Rådhuset"))

    assert (session.city, session.time_zone, session.status) == ("Bergen", "Europe/Oslo", SessionStatus.SCHEDULED)
    [scheduled] = world.sessions.staged(session.id)
    assert isinstance(scheduled, SessionScheduled) and scheduled.session_id == session.id
    assert world.relay_woken

    await world.wired.sessions.replace_agenda(session.id, [
        AgendaItemDraft(time(9), time(10), "Velkommen", AgendaItemKind.WELCOME),
        AgendaItemDraft(time(10), time(11, 30), "Dialogkluten", AgendaItemKind.GROUP_WORK)])
    stored = await world.wired.sessions.get(session.id)
    assert [(i.title, i.starts_at) for i in stored.agenda] == [("Velkommen", START),
                                                                ("Dialogkluten", START + timedelta(hours=1))]
    assert len(world.sessions.staged(session.id)) == 1  # an agenda is no event


async def test_a_session_of_a_cohort_sessions_has_not_heard_of_is_not_found(world):
    with pytest.raises(NotFound, match="no cohort c9"):
        await world.wired.sessions.schedule("c9", a_day())
    with pytest.raises(NotFound, match="no session s9"):
        await world.wired.sessions.get("s9")


async def test_an_agenda_that_does_not_fit_is_refused_with_every_problem_listed_and_nothing_is_kept(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day())
    with pytest.raises(RuleViolation) as refused:
        await world.wired.sessions.replace_agenda(session.id, [
            AgendaItemDraft(time(8), time(9, 30), "Too early", AgendaItemKind.WELCOME),
            AgendaItemDraft(time(9), time(10), "Overlapping", AgendaItemKind.TALK)])
    assert refused.value.extensions["problems"] == ["'Too early' lies outside the session",
                                                    "'Overlapping' starts before 'Too early' ends"]
    assert (await world.wired.sessions.get(session.id)).agenda == []


async def test_rescheduling_needs_a_reason_moves_the_session_and_stages_session_rescheduled(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day(venue="Rådhuset", online_link="https://meet.example"))
    week_later = START + timedelta(days=7)

    with pytest.raises(RuleViolation, match="needs a reason"):
        await world.wired.sessions.revise(session.id, starts_at=week_later)
    moved = await world.wired.sessions.revise(session.id, starts_at=week_later, reason="venue flooded",
                                              details=details_to_revise({"title": None, "venue": None}))

    assert (moved.starts_at, moved.ends_at) == (week_later, week_later + timedelta(hours=7))  # keeps its length
    assert (moved.title, moved.venue, moved.online_link) == (session.title, None, "https://meet.example")
    assert [type(e) for e in world.sessions.staged(session.id)] == [SessionScheduled, SessionRescheduled]


async def test_attendance_is_taken_once_the_session_has_begun_and_only_for_the_cohorts_roster(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day())
    with pytest.raises(Conflict, match="once the session has begun"):
        await world.wired.sessions.record_attendance(session.id, [AttendanceEntry("ola", PRESENT)])

    world.clock.now = START + timedelta(minutes=5)
    with pytest.raises(RuleViolation, match="per is not on the cohort's roster"):
        await world.wired.sessions.record_attendance(session.id, [AttendanceEntry("per", PRESENT)])
    taken = await world.wired.sessions.record_attendance(session.id, [AttendanceEntry("ola", PRESENT)], by="coord")

    assert taken.attendance["ola"].recorded_by == "coord"
    assert (await world.wired.sessions.get(session.id)).counts()["present"] == 1
    assert len(world.sessions.staged(session.id)) == 1  # attendance before holding is not published


async def test_holding_records_the_missing_as_absent_and_completes_who_attended_every_mandatory_session(world):
    await given_cohort(world)
    held = await held_with(world, present=["ola"])

    assert held.status is SessionStatus.HELD and held.attendance["kari"].status is ABSENT
    event = world.sessions.staged(held.id)[-1]
    assert isinstance(event, SessionHeld) and event.absent_participant_ids == ["kari"]
    assert [(type(e), e.participant_id) for e in world.completions.outbox] == [(ParticipantCompleted, "ola")]
    assert await world.sessions.cohorts_with_completion_due() == []  # settled, so no catch-up at the next start
    listed = await world.wired.completion.completion_list("c1")
    assert [d.participant_id for d in listed.completed] == ["ola"]
    assert {p.participant_id: p.completed for p, _ in listed.progress} == {"ola": True, "kari": False}


async def test_a_correction_after_holding_is_published_and_revokes_or_grants_completions(world):
    await given_cohort(world)
    held = await held_with(world, present=["ola"])

    await world.wired.sessions.record_attendance(held.id, [AttendanceEntry("ola", ABSENT),
                                                           AttendanceEntry("kari", PRESENT)])

    corrected = [e for e in world.sessions.staged(held.id) if isinstance(e, AttendanceCorrected)]
    assert [(e.participant_id, e.status) for e in corrected] == [("ola", "absent"), ("kari", "present")]
    first, *after_correction = [(type(e).__name__, e.participant_id) for e in world.completions.outbox]
    assert first == ("ParticipantCompleted", "ola")
    assert sorted(after_correction) == [("CompletionRevoked", "ola"), ("ParticipantCompleted", "kari")]
    assert [d.participant_id for d in (await world.wired.completion.completion_list("c1")).completed] == ["kari"]


async def test_a_missed_mandatory_session_made_up_with_an_assignment_completes_the_participant(world):
    await given_cohort(world)
    held = await held_with(world, present=["ola"])
    with pytest.raises(RuleViolation, match="says what the participant did"):
        await world.wired.sessions.record_make_up(held.id, "kari", kind=MakeUpKind.ASSIGNMENT, other_session_id=None,
                                                  note=" ", by="coord")
    with pytest.raises(Conflict, match="ola is not recorded absent"):
        await world.wired.sessions.record_make_up(held.id, "ola", kind=MakeUpKind.ASSIGNMENT, other_session_id=None,
                                                  note="Wrote a reflection", by="coord")

    await world.wired.sessions.record_make_up(held.id, "kari", kind=MakeUpKind.ASSIGNMENT, other_session_id=None,
                                              note="Wrote a reflection", by="coord")

    assert isinstance(world.sessions.staged(held.id)[-1], MakeUpRecorded)
    assert [(type(e), e.participant_id) for e in world.completions.outbox] == [
        (ParticipantCompleted, "ola"), (ParticipantCompleted, "kari")]


async def test_settling_again_publishes_no_completion_twice(world):
    await given_cohort(world)
    await held_with(world, present=["ola", "kari"])
    await world.wired.completion.settle("c1", as_of=world.clock())
    assert len(world.completions.outbox) == 2


async def test_a_held_session_keeps_its_plan_and_a_cancelled_one_takes_no_attendance(world):
    await given_cohort(world)
    held = await held_with(world, present=["ola"])
    with pytest.raises(Conflict, match="was held"):
        await world.wired.sessions.revise(held.id, details={"title": "Renamed"})
    with pytest.raises(Conflict, match="was held"):
        await world.wired.sessions.cancel(held.id, reason="too late")

    other = await world.wired.sessions.schedule("c1", a_day())
    await world.wired.sessions.cancel(other.id, reason="storm")
    with pytest.raises(Conflict, match="cancelled"):
        await world.wired.sessions.record_attendance(other.id, [AttendanceEntry("ola", PRESENT)])


async def test_a_change_that_meets_a_write_from_elsewhere_is_refused_as_a_conflict(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day())
    read = world.sessions.get

    async def read_then_another_process_writes(session_id: str):
        mine = await read(session_id)
        theirs = await read(session_id)
        theirs.title = "Theirs"
        assert await world.sessions.save(theirs, updated_at=world.clock())
        return mine

    world.sessions.get = read_then_another_process_writes
    with pytest.raises(Conflict, match="changed by someone else"):
        await world.wired.sessions.revise(session.id, details={"title": "Mine"})
    world.sessions.get = read
    assert (await world.wired.sessions.get(session.id)).title == "Theirs"


async def test_a_schedule_is_generated_from_the_programme_once(world):
    await given_cohort(world, plan=[{"kind": "kickoff", "days": 2},
                                    {"kind": "closing", "days": 1, "weeks_after_previous": 8}])
    created = await world.wired.sessions.generate("c1", starts_on=date(2027, 1, 11))
    assert [s.kind for s in created] == [GatheringKind.KICKOFF, GatheringKind.CLOSING]

    with pytest.raises(Conflict, match="already generated"):
        await world.wired.sessions.generate("c1", starts_on=date(2027, 1, 11))
    assert len(await world.wired.sessions.of_cohort("c1")) == 2


async def test_an_erasure_renames_the_person_everywhere_keeps_every_count_and_publishes_nothing_again(world):
    await given_cohort(world)
    held = await held_with(world, present=["ola", "kari"])
    await world.wired.calendar_feeds.issue_for_participant("ola")
    staged_before = (len(world.sessions.staged(held.id)), len(world.completions.outbox))
    erased = CloudEvent(ParticipantErased(network_id="n1", participant_id="ola", erasure_id="e1",
                                          erased_at=world.clock()), source="enrollment")

    await world.wired.personal_data.on_erased(erased)
    await world.wired.personal_data.on_erased(erased)  # redelivered: nothing left to rename

    session = await world.wired.sessions.get(held.id)
    assert set(session.attendance) == {"erased:e1", "kari"} and session.counts()["present"] == 2
    assert sorted(await world.roster.enrolled("c1")) == ["erased:e1", "kari"]
    assert sorted(d.participant_id for d in (await world.wired.completion.completion_list("c1")).completed) == [
        "erased:e1", "kari"]
    assert (len(world.sessions.staged(held.id)), len(world.completions.outbox)) == staged_before
    assert await world.wired.personal_data.export("ola") == {
        "person_id": "ola", "service": "sessions", "roster": [], "attendance": [], "completions": [],
        "calendar_feeds": []}


async def test_the_fake_session_store_refuses_a_second_session_with_an_id_and_a_stale_save(world):
    await given_cohort(world)
    session = await world.wired.sessions.schedule("c1", a_day())
    assert not await world.sessions.add(session, created_at=world.clock())
    stale = await world.sessions.get(session.id)
    assert await world.sessions.save(await world.sessions.get(session.id), updated_at=world.clock())
    assert not await world.sessions.save(stale, updated_at=world.clock())
