"""ReminderScheduler: sends the reminders whose moment has come.

Reminders live in the database, so a restart loses none: the next round after start sends
whatever fell due meanwhile (as long as its session has not begun). Each reminder is
checked against the current facts before it goes out: a session that moved, was cancelled
or already started, or a measure that closed, turns its reminder into a dropped one.
Sending goes through MailDelivery, so a reminder is mailed once even if two instances (or a
restart) look at it at the same time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from samla_shared.clock import Clock
from samla_shared.retry import run_periodically
from samla_notifications.adapters.ports import Criteria, ReadModelRepository, ReminderRepository
from samla_notifications.adapters.reminder_store import DROPPED, FAILED, SENT
from samla_notifications.adapters.templates import TemplateRenderFailed
from samla_notifications.domain.deliveries import DeliveryStatus
from samla_notifications.domain.kinds import Kind
from samla_notifications.domain.links import application_page, measure_page
from samla_notifications.domain.mail_context import (
    as_date,
    calendar_entry,
    cohort_context,
    measure_context,
    programme_context,
    session_mail_context,
)
from samla_notifications.domain.notices import Fact, Notice
from samla_notifications.domain.reminders import Reminder, approval_reminder_fact, follow_up_fact, reminder_fact
from samla_notifications.metrics import REMINDERS_DUE
from samla_notifications.service_layer.mail import DeliveryInFlight, MailDelivery
from samla_notifications.settings import NotificationsSettings

log = logging.getLogger("samla.notifications.reminders")

BATCH = 200
FAILED_ROUND_CEILING = 60.0  # seconds between rounds at most while they keep failing


class StoredReminders:
    """The planned reminders as callers see them, for the reminders' HTTP route."""

    def __init__(self, reminders: ReminderRepository) -> None:
        self._reminders = reminders

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[Reminder]:
        """Soonest first; `filters` name fields and the value each must have (a list: any of them)."""
        return await self._reminders.search(filters, offset, limit)


class ReminderScheduler:
    def __init__(self, *, settings: NotificationsSettings, reminders: ReminderRepository, read_model: ReadModelRepository,
                 mail: MailDelivery, clock: Clock) -> None:
        self._settings = settings
        self._reminders = reminders
        self._read = read_model
        self._mail = mail
        self._clock = clock

    async def run(self) -> None:
        # Database, enrollment or SMTP away: the reminders wait, nothing is lost; while rounds fail
        # they come later and later (jittered, up to a minute).
        await run_periodically(self._round, every=self._settings.reminder_poll_seconds, what="reminder",
                               log=log, failure_ceiling=FAILED_ROUND_CEILING)

    async def _round(self) -> None:
        while await self.run_once() == BATCH:
            pass  # a full batch: more may be due right now

    async def run_once(self) -> int:
        now = self._clock()
        due = await self._reminders.due(now, BATCH)
        REMINDERS_DUE.labels(self._settings.service_name).set(len(due))
        superseded = _superseded(due)
        for reminder in due:
            notice = None if reminder.id in superseded else await self._notice(reminder, now)
            if notice is None:
                await self._reminders.mark(reminder, DROPPED, now)
                continue
            try:
                outcome = await self._mail.deliver(notice)
            except TemplateRenderFailed as exc:
                # No event to dead-letter here: the delivery log keeps the reason, the row says failed.
                log.error("reminder %s could not be rendered: %s", reminder.id, exc)
                await self._reminders.mark(reminder, FAILED, now)
                continue
            except DeliveryInFlight:
                continue  # another worker has it; the next round sees it done
            # Opted out, no address, expired: the row keeps the delivery's own outcome.
            await self._reminders.mark(reminder, SENT if outcome is DeliveryStatus.SENT else outcome.value, now)
        return len(due)

    async def _notice(self, reminder: Reminder, now: datetime) -> Notice | None:
        if reminder.kind == Kind.SESSION_REMINDER:
            return await self._session_notice(reminder, now)
        if reminder.kind == Kind.FOLLOW_UP_DUE:
            return await self._follow_up_notice(reminder)
        if reminder.kind == Kind.APPROVAL_REMINDER:
            return await self._approval_notice(reminder)
        log.error("reminder %s has an unknown kind %r", reminder.id, reminder.kind)
        return None

    async def _session_notice(self, reminder: Reminder, now: datetime) -> Notice | None:
        session = await self._read.session(reminder.session_id)
        if session is None or session.status != "scheduled" or session.starts_at <= now:
            return None
        if reminder.fact_id != reminder_fact(session.id, session.starts_at, reminder.days_before):
            return None  # the session moved after this row was written; its replacement will go out
        cohort = await self._read.cohort(session.cohort_id)
        programme = await self._read.programme(session.programme_id or (cohort.programme_id if cohort else None))
        fact = Fact(event_id=reminder.event_id, event_type="SessionReminder", network_id=reminder.network_id,
                    time_zone=session.time_zone, occurred_at=reminder.fire_at)
        context = session_mail_context(session, cohort, programme, days_before=reminder.days_before)
        return fact.notice(Kind.SESSION_REMINDER, reminder.recipient_id, context, fact_id=reminder.fact_id,
                           calendar=calendar_entry(session, cohort))

    async def _follow_up_notice(self, reminder: Reminder) -> Notice | None:
        measure = await self._read.measure(reminder.measure_id)
        if measure is None or measure.status == "closed":
            return None
        if reminder.fact_id != follow_up_fact(reminder.measure_id, as_date(reminder.due_on)):
            return None
        zone = self._settings.network_profile(reminder.network_id).time_zone
        fact = Fact(event_id=reminder.event_id, event_type="FollowUpDue", network_id=reminder.network_id,
                    time_zone=zone, occurred_at=reminder.fire_at)
        return fact.notice(Kind.FOLLOW_UP_DUE, reminder.recipient_id,
                           {"measure": measure_context(measure, reminder.due_on)}, fact_id=reminder.fact_id,
                           link=measure_page(reminder.measure_id))

    async def _approval_notice(self, reminder: Reminder) -> Notice | None:
        """The manager's reminder, unless the application was decided or withdrawn meanwhile."""
        application = await self._read.application(reminder.application_id)
        if application is None or application.status or not application.requires_manager_approval:
            return None
        step = reminder.step
        if reminder.fact_id != approval_reminder_fact(reminder.application_id, step, reminder.team_id):
            return None
        if application.approval_step != step:
            return None  # that step of the approval chain was decided; the next one has reminders of its own
        cohort = await self._read.cohort(application.cohort_id)
        programme = await self._read.programme(application.programme_id or (cohort.programme_id if cohort else None))
        zone = (cohort.time_zone if cohort else None) or self._settings.network_profile(reminder.network_id).time_zone
        fact = Fact(event_id=reminder.event_id, event_type="ApprovalReminder", network_id=reminder.network_id,
                    time_zone=zone, occurred_at=reminder.fire_at)
        context = {"programme": programme_context(programme), "cohort": cohort_context(cohort),
                   "application_id": reminder.application_id,
                   "waiting_days": (reminder.waiting_days if reminder.waiting_days is not None
                                    else self._settings.approval_reminder_days)}
        return fact.notice(Kind.APPROVAL_REMINDER, reminder.recipient_id, context, fact_id=reminder.fact_id,
                           about_person_id=application.participant_id,
                           link=application_page(reminder.application_id))



def _superseded(due: list[Reminder]) -> set[str]:
    """Earlier reminders of a session that a later one, due as well, makes pointless.

    After an outage both the 7-day and the 1-day reminder can be due at once; the person
    gets the nearer one only. `due` is in firing order, so the last of each group stays.
    """
    latest: dict[tuple[str, str], str] = {}
    superseded: set[str] = set()
    for reminder in due:
        if reminder.kind != Kind.SESSION_REMINDER:
            continue
        group = (reminder.session_id, reminder.recipient_id)
        if group in latest:
            superseded.add(latest[group])
        latest[group] = reminder.id
    return superseded
