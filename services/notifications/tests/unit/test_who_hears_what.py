"""Who hears what, and which reminders are planned, for each event: the event handlers with in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationSubmitted,
    CohortOpened,
    InterestRegistered,
    ParticipantEnrolled,
    ParticipantWithdrawn,
)
from samla_shared.contract.measures import FollowUpOverdue, MeasureAdopted, MeasureProposed
from samla_shared.contract.sessions import (
    AttendanceCounts,
    SessionCancelled,
    SessionHeld,
    SessionRescheduled,
    SessionScheduled,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.adapters.templates import TemplateRenderFailed
from samla_notifications.domain.kinds import Kind
from samla_notifications.service_layer.event_handlers import EventHandlers
from samla_notifications.settings import NotificationsSettings
from services.notifications.tests.fakes import FakeMail, FakeReadModel, FakeReminders, FakeWebhooks

NOW = datetime.now(UTC).replace(microsecond=0)
IDS = {"network_id": "net-1", "cohort_id": "cohort-1", "programme_id": "prog-1", "organisation_id": "org-1",
       "unit_id": "unit-1"}


class World:
    def __init__(self) -> None:
        self.read, self.reminders, self.mail = FakeReadModel(), FakeReminders(), FakeMail()
        self.handlers = EventHandlers(
            settings=NotificationsSettings(environment="test"), read_model=self.read, reminders=self.reminders,
            mail=self.mail, webhooks=FakeWebhooks(), locks=DocumentLocks(), clock=lambda: NOW)

    async def happen(self, event: IntegrationEvent, at: datetime = NOW) -> CloudEvent:
        cloud = CloudEvent(data=event, source="/samla/test", id=uuid.uuid4().hex, time=at)
        await self.handlers.handle(cloud)
        return cloud


@pytest.fixture
def world() -> World:
    return World()


def application(participant: str) -> dict[str, Any]:
    return IDS | {"application_id": f"app-{participant}", "participant_id": participant}


def session(session_id: str, starts_at: datetime) -> SessionScheduled:
    return SessionScheduled(**{k: IDS[k] for k in ("network_id", "cohort_id", "programme_id")},
                            session_id=session_id, kind="kickoff", starts_at=starts_at,
                            ends_at=starts_at + timedelta(hours=6), time_zone="Europe/Oslo", online=False,
                            mandatory=True)


async def test_an_application_needing_approval_is_confirmed_and_sent_to_the_manager(world):
    await world.happen(ApplicationSubmitted(**application("kari"), manager_id="liv", requires_manager_approval=True))
    assert world.mail.told() == [("application_received", "kari"), ("approval_requested", "liv")]
    assert world.mail.sent[1].about_person_id == "kari"


async def test_an_approval_by_programme_policy_sends_no_decision_mail(world):
    await world.happen(ApplicationSubmitted(**application("kari"), manager_id="liv", requires_manager_approval=False))
    await world.happen(ApplicationApproved(**application("kari"), approved_by="programme-policy"))
    assert world.mail.told() == [("application_received", "kari")]


async def test_a_manager_approval_is_told_to_the_applicant(world):
    await world.happen(ApplicationSubmitted(**application("kari"), manager_id="liv", requires_manager_approval=True))
    await world.happen(ApplicationApproved(**application("kari"), approved_by="liv"))
    assert world.mail.told()[-1] == ("application_approved", "kari")


async def test_a_seat_from_the_waitlist_is_told_as_a_promotion(world):
    await world.happen(ParticipantEnrolled(**application("kari"), via="waitlist", cohort_sequence=4))
    assert world.mail.told() == [("promoted", "kari")]


async def test_a_scheduled_session_is_told_to_the_enrolled_and_reminded_a_week_and_a_day_before(world):
    for person in ("kari", "ola"):
        await world.happen(ParticipantEnrolled(**application(person), cohort_sequence=1))
    starts = NOW + timedelta(days=20)
    await world.happen(session("s-1", starts))
    assert world.mail.told()[-2:] == [("session_scheduled", "kari"), ("session_scheduled", "ola")]
    assert [(r["recipient_id"], r["fire_at"]) for r in world.reminders.of(session_id="s-1")] == [
        ("kari", starts - timedelta(days=7)), ("ola", starts - timedelta(days=7)),
        ("kari", starts - timedelta(days=1)), ("ola", starts - timedelta(days=1))]


async def test_moving_a_session_moves_its_reminders_and_cancelling_drops_them(world):
    await world.happen(ParticipantEnrolled(**application("kari"), cohort_sequence=1))
    await world.happen(session("s-1", NOW + timedelta(days=20)))
    moved = NOW + timedelta(days=30)
    await world.happen(SessionRescheduled(network_id="net-1", cohort_id="cohort-1", session_id="s-1",
                                          starts_at=moved, ends_at=moved + timedelta(hours=6), reason="venue"))
    assert [r["fire_at"] for r in world.reminders.of(session_id="s-1")] == [moved - timedelta(days=7),
                                                                            moved - timedelta(days=1)]
    assert world.mail.sent[-1].context["session"]["previous_starts_at"] == NOW + timedelta(days=20)
    await world.happen(SessionCancelled(network_id="net-1", cohort_id="cohort-1", session_id="s-1", reason="ill"))
    assert world.reminders.of(session_id="s-1") == []
    assert world.mail.told()[-1] == ("session_cancelled", "kari")


async def test_a_late_enrolment_gets_the_reminders_still_ahead_and_a_withdrawal_loses_them(world):
    starts = NOW + timedelta(days=3)
    await world.happen(session("s-1", starts))
    await world.happen(ParticipantEnrolled(**application("kari"), cohort_sequence=1))
    assert [r["days_before"] for r in world.reminders.of(recipient_id="kari")] == [1], "the week-before moment passed"
    await world.happen(ParticipantWithdrawn(**application("kari"), previous_status="enrolled", cohort_sequence=2))
    assert world.reminders.of(recipient_id="kari") == []


async def test_people_who_registered_interest_hear_of_the_next_cohort_once(world):
    await world.happen(InterestRegistered(network_id="net-1", interest_id="i-1", programme_id="prog-1",
                                          person_id="kari"))

    def opened(cohort_id: str) -> CohortOpened:
        return CohortOpened(network_id="net-1", cohort_id=cohort_id, programme_id="prog-1", term="vår-2028",
                            location="Oslo", capacity=20, applications_open_at=NOW,
                            applications_close_at=NOW + timedelta(days=30))

    await world.happen(opened("cohort-2"))
    await world.happen(opened("cohort-3"))
    assert world.mail.told() == [("cohort_opened", "kari")]


async def test_follow_ups_are_planned_for_the_owners_and_the_facilitator(world):
    common = {"network_id": "net-1", "measure_id": "m-1", "organisation_id": "org-1", "unit_ids": ["u-1"],
              "area": "full_time_culture"}
    await world.happen(MeasureProposed(**common, facilitator_id="siri"))
    owners = [{"role": "leader", "person_id": "liv"}, {"role": "union_representative", "person_id": "tor"}]
    adopted = {"owners": owners} if "owners" in MeasureAdopted.model_fields else {}
    await world.happen(MeasureAdopted(**common, adopted_on=date.today(), next_follow_up_due=date(2030, 5, 2),
                                      **adopted))
    expected = {"siri", "liv", "tor"} if adopted else {"siri"}
    assert {r["recipient_id"] for r in world.reminders.of(measure_id="m-1")} == expected


async def test_a_broken_template_for_one_recipient_does_not_keep_mail_from_the_others(world):
    for person in ("kari", "ola", "per"):
        await world.happen(ParticipantEnrolled(**application(person), cohort_sequence=1))
    world.mail.broken = {"ola"}
    with pytest.raises(TemplateRenderFailed, match="failed to render"):
        await world.happen(session("s-1", NOW + timedelta(days=20)))
    assert [r for _, r in world.mail.told() if _ == "session_scheduled"] == ["kari", "per"]
    assert Kind.SESSION_SCHEDULED in {n.kind for n in world.mail.sent}


async def test_a_proposed_measure_asks_the_two_representatives_to_agree_with_a_link_to_the_measure(world):
    common = {"network_id": "net-1", "measure_id": "m-1", "organisation_id": "org-1", "unit_ids": ["u-1"],
              "area": "full_time_culture"}
    owners = [{"role": "leader", "person_id": "liv"}, {"role": "union_representative", "person_id": "tor"},
              {"role": "safety_representative", "person_id": "vera"}]
    await world.happen(MeasureProposed(**common, owners=owners, facilitator_id="siri"))
    assert world.mail.told() == [("agreement_requested", "tor"), ("agreement_requested", "vera")]
    assert {n.link for n in world.mail.sent} == {"/measures/m-1"}
    # The fact is the measure: the same proposal published again makes the same delivery keys.
    assert {n.fact_id for n in world.mail.sent} == {"agreement-requested:m-1"}


async def test_a_proposal_naming_no_representative_asks_nobody(world):
    await world.happen(MeasureProposed(network_id="net-1", measure_id="m-2", organisation_id="org-1",
                                       unit_ids=["u-1"], area="culture_and_values",
                                       owners=[{"role": "leader", "person_id": "liv"}]))
    assert world.mail.told() == []


async def test_an_application_awaiting_the_manager_plans_one_reminder_that_a_decision_cancels(world):
    await world.happen(ApplicationSubmitted(**application("kari"), manager_id="liv", requires_manager_approval=True))
    await world.happen(ApplicationSubmitted(**application("ola"), manager_id="liv", requires_manager_approval=True))
    await world.happen(ApplicationSubmitted(**application("per"), manager_id="liv", requires_manager_approval=False))
    reminders = world.reminders.of(kind="approval_reminder")
    assert [(r["application_id"], r["recipient_id"], r["fire_at"]) for r in reminders] == [
        ("app-kari", "liv", NOW + timedelta(days=3)), ("app-ola", "liv", NOW + timedelta(days=3))]
    assert world.mail.sent[1].link == "/applications/app-kari"
    assert world.mail.sent[0].link == "/me"
    await world.happen(ApplicationDeclined(**application("kari"), declined_by="liv"))
    await world.happen(ParticipantWithdrawn(**application("ola"), previous_status="awaiting_manager_approval"))
    assert world.reminders.of(kind="approval_reminder") == []


async def test_mail_about_a_cohort_carries_what_is_known_of_it_and_its_programme_and_none_before(world):
    await world.happen(ParticipantEnrolled(**application("kari"), cohort_sequence=1))
    assert world.mail.sent[-1].context == {
        "programme": {"title": None},
        "cohort": {"term": None, "location": None, "starts_on": None, "applications_close_at": None}}

    await world.read.save_programme("prog-1", title="Heltidskultur", language="nb", network_id="net-1")
    await world.happen(CohortOpened(network_id="net-1", cohort_id="cohort-1", programme_id="prog-1", term="vår-2028",
                                    location="Oslo", capacity=20, applications_open_at=NOW,
                                    applications_close_at=NOW + timedelta(days=30), starts_on=date(2028, 1, 10),
                                    time_zone="Europe/Copenhagen"))
    await world.happen(ParticipantEnrolled(**application("ola"), cohort_sequence=2))
    enrolled = world.mail.sent[-1]
    assert enrolled.context == {
        "programme": {"title": "Heltidskultur"},
        "cohort": {"term": "vår-2028", "location": "Oslo", "starts_on": date(2028, 1, 10),
                   "applications_close_at": NOW + timedelta(days=30)}}
    assert enrolled.time_zone == "Europe/Copenhagen"  # the cohort's, not the network's

    await world.happen(session("s-1", NOW + timedelta(days=20)))
    scheduled = world.mail.sent[-1].context
    assert scheduled["programme"] == {"title": "Heltidskultur"} and scheduled["cohort"]["term"] == "vår-2028"
    assert scheduled["session"]["location"] == "Oslo"  # an in-person session is held where its cohort is


async def test_a_rescheduling_delivered_twice_moves_the_session_once(world):
    first = NOW + timedelta(days=20)
    await world.happen(session("s-1", first))
    moved = NOW + timedelta(days=30)
    rescheduled = CloudEvent(data=SessionRescheduled(network_id="net-1", cohort_id="cohort-1", session_id="s-1",
                                                     starts_at=moved, ends_at=moved + timedelta(hours=6),
                                                     reason="venue"),
                             source="/samla/test", id=uuid.uuid4().hex, time=NOW)
    await world.handlers.handle(rescheduled)
    await world.handlers.handle(rescheduled)  # a redelivery
    known = await world.read.session("s-1")
    assert (known.starts_at, known.previous_starts_at, known.sequence, known.reason) == (moved, first, 1, "venue")
    assert (known.kind, known.mandatory, known.online, known.status) == ("kickoff", True, False, "scheduled")


async def test_an_absence_from_a_mandatory_session_is_told_to_the_participant_and_their_leader(world):
    await world.happen(ApplicationSubmitted(**application("kari"), manager_id="liv", requires_manager_approval=True))
    await world.happen(session("s-1", NOW - timedelta(days=1)))
    await world.happen(SessionHeld(network_id="net-1", cohort_id="cohort-1", session_id="s-1", held_at=NOW,
                                   attendance=AttendanceCounts(present=0, absent=2, excused=0, partial=0),
                                   absent_participant_ids=["kari", "ola"]))  # ola's application is not known
    told = [(n.kind.value, n.recipient_id, n.about_person_id) for n in world.mail.sent[-3:]]
    assert told == [("absence_recorded", "kari", None), ("employee_absent", "liv", "kari"),
                    ("absence_recorded", "ola", None)]


async def test_an_overdue_follow_up_is_told_to_the_measures_people_with_its_area(world):
    common = {"network_id": "net-1", "measure_id": "m-1", "organisation_id": "org-1", "unit_ids": ["u-1"],
              "area": "full_time_culture"}
    await world.happen(MeasureProposed(**common, facilitator_id="siri"))
    await world.happen(FollowUpOverdue(**common, due_on=date(2030, 5, 2)))
    [overdue] = world.mail.sent
    assert (overdue.kind.value, overdue.recipient_id, overdue.link) == ("follow_up_overdue", "siri", "/measures/m-1")
    assert overdue.context == {"measure": {"area": "full_time_culture", "due_on": date(2030, 5, 2)}}
    await world.happen(FollowUpOverdue(**common | {"measure_id": "m-unknown"}, due_on=date(2030, 5, 2)))
    assert len(world.mail.sent) == 1  # nobody is known to follow up a measure this service never heard of
