"""The reminder scheduler against in-memory fakes: reminders planned by the event handlers go out
when their moment comes, once; after an outage only the nearest of a session's reminders goes;
a session already begun sends none; a reminder that cannot be rendered fails alone. No stack
needed; integration/test_reminders.py runs the same loop against the real stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_shared.contract.sessions import SessionScheduled
from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.service_layer.event_handlers import EventHandlers
from samla_notifications.service_layer.reminders import ReminderScheduler
from samla_notifications.settings import NotificationsSettings
from services.notifications.tests.fakes import FakeMail, FakeReadModel, FakeReminders, FakeWebhooks

NOW = datetime(2027, 4, 1, 8, tzinfo=UTC)
STARTS = NOW + timedelta(days=20)
IDS = {"network_id": "net-1", "cohort_id": "cohort-1", "programme_id": "prog-1", "organisation_id": "org-1",
       "unit_id": "unit-1"}


class Calendar:
    """Event handlers that plan reminders and the scheduler that sends them, on one movable clock."""

    def __init__(self) -> None:
        self.now = NOW
        settings = NotificationsSettings(environment="test")
        self.read, self.reminders, self.mail = FakeReadModel(), FakeReminders(), FakeMail()
        self.handlers = EventHandlers(settings=settings, read_model=self.read, reminders=self.reminders,
                                      mail=self.mail, webhooks=FakeWebhooks(), locks=DocumentLocks(),
                                      clock=lambda: self.now)
        self.scheduler = ReminderScheduler(settings=settings, reminders=self.reminders, read_model=self.read,
                                           mail=self.mail, clock=lambda: self.now)

    async def happen(self, event: IntegrationEvent) -> None:
        await self.handlers.handle(CloudEvent(data=event, source="/samla/test", id=uuid.uuid4().hex, time=self.now))

    async def a_session_for(self, *people: str) -> None:
        for person in people:
            await self.happen(ParticipantEnrolled(**IDS, application_id=f"app-{person}", participant_id=person,
                                                  cohort_sequence=1))
        await self.happen(SessionScheduled(**{k: IDS[k] for k in ("network_id", "cohort_id", "programme_id")},
                                           session_id="s-1", kind="kickoff", starts_at=STARTS,
                                           ends_at=STARTS + timedelta(hours=6), time_zone="Europe/Oslo",
                                           online=False, mandatory=True))
        self.mail.sent.clear()  # the scheduling mails; what follows is the reminders'

    def reminded(self) -> list[tuple[str, str]]:
        return [(n.kind.value, n.recipient_id) for n in self.mail.sent]

    def statuses(self) -> dict[int, str]:
        return {r["days_before"]: r["status"] for r in self.reminders.of(session_id="s-1")}


@pytest.fixture
def calendar() -> Calendar:
    return Calendar()


async def test_a_reminder_goes_out_when_its_moment_comes_and_only_once(calendar):
    await calendar.a_session_for("kari")
    assert await calendar.scheduler.run_once() == 0
    calendar.now = STARTS - timedelta(days=7)
    assert await calendar.scheduler.run_once() == 1
    assert calendar.reminded() == [("session_reminder", "kari")]
    assert calendar.statuses() == {7: "sent", 1: "pending"}
    assert await calendar.scheduler.run_once() == 0
    assert len(calendar.mail.sent) == 1


async def test_after_an_outage_only_the_nearest_reminder_of_a_session_goes_out(calendar):
    await calendar.a_session_for("kari")
    calendar.now = STARTS - timedelta(hours=20)  # both the week-before and the day-before moments passed
    assert await calendar.scheduler.run_once() == 2
    assert calendar.reminded() == [("session_reminder", "kari")]
    assert calendar.statuses() == {7: "dropped", 1: "sent"}


async def test_a_session_that_has_begun_is_not_reminded_of(calendar):
    await calendar.a_session_for("kari")
    calendar.now = STARTS + timedelta(hours=1)
    await calendar.scheduler.run_once()
    assert calendar.reminded() == []
    assert calendar.statuses() == {7: "dropped", 1: "dropped"}


async def test_a_reminder_that_cannot_be_rendered_fails_alone(calendar):
    await calendar.a_session_for("kari", "ola")
    calendar.mail.broken.add("kari")
    calendar.now = STARTS - timedelta(days=7)
    assert await calendar.scheduler.run_once() == 2
    assert calendar.reminded() == [("session_reminder", "ola")]
    assert {r["recipient_id"]: r["status"] for r in calendar.reminders.of(days_before=7)} == \
        {"kari": "failed", "ola": "sent"}
