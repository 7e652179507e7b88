"""What each event of enrollment, sessions and measures means for notifications.

For every event: queue it for the webhook subscriptions that asked for it, update the
little read model mails and reminders need, plan or drop reminders, and mail the people
the fact concerns. Each step is idempotent, so a redelivered event changes nothing twice.

A template that fails for one recipient does not stop the others; the failure is raised at
the end, so the consumer retries and then dead-letters the event with the reason. Once the
template is fixed, replaying the dead letter mails only those who did not get it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from samla_shared.clock import Clock
from samla_shared.contract import enrollment as e
from samla_shared.contract import measures as m
from samla_shared.contract import sessions as s
from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.structured_logging import current_network_id
from samla_notifications.adapters.ports import ReadModelRepository, ReminderRepository
from samla_notifications.adapters.reminder_store import PENDING
from samla_notifications.adapters.templates import TemplateRenderFailed
from samla_notifications.domain.kinds import Kind
from samla_notifications.domain.known_facts import KnownMeasure, KnownSession
from samla_notifications.domain.links import application_page, measure_page
from samla_notifications.domain.mail_context import (
    cohort_context,
    measure_context,
    programme_context,
    session_mail_context,
)
from samla_notifications.domain.notices import Fact, Notice, agreement_fact
from samla_notifications.domain.recipients import people_named
from samla_notifications.domain.reminders import (
    approval_reminder_fact,
    approval_reminder_fire_at,
    approval_reminder_id,
    follow_up_fact,
    follow_up_fire_at,
    reminder_fact,
    session_reminder_times,
)
from samla_notifications.service_layer.mail import MailDelivery
from samla_notifications.service_layer.webhooks import WebhookService
from samla_notifications.settings import NotificationsSettings

log = logging.getLogger("samla.notifications.events")

# Who is asked to agree when a measure is proposed: the leader proposes it (or agreed to it
# with the facilitator), the two other parties of the cooperation have yet to.
ASKED_TO_AGREE = frozenset({m.OwnerRole.UNION_REPRESENTATIVE, m.OwnerRole.SAFETY_REPRESENTATIVE})

Handler = Callable[[CloudEvent, Any], Awaitable[None]]


class EventHandlers:
    def __init__(self, *, settings: NotificationsSettings, read_model: ReadModelRepository, reminders: ReminderRepository,
                 mail: MailDelivery, webhooks: WebhookService, locks: DocumentLocks, clock: Clock) -> None:
        self._settings = settings
        self._read = read_model
        self._reminders = reminders
        self._mail = mail
        self._webhooks = webhooks
        self._locks = locks
        self._clock = clock
        self._routes: dict[type[IntegrationEvent], Handler] = {
            e.ProgrammePublished: self._programme,
            e.ProgrammeUpdated: self._programme,
            e.CohortOpened: self._cohort_opened,
            e.ApplicationSubmitted: self._application_submitted,
            e.ApplicationApproved: self._application_approved,
            e.ApplicationStepApproved: self._application_step_approved,
            e.ApplicationDeclined: self._application_declined,
            e.ParticipantEnrolled: self._participant_enrolled,
            e.ParticipantWaitlisted: self._participant_waitlisted,
            e.ParticipantWithdrawn: self._participant_withdrawn,
            e.SeatOffered: self._seat_offered,
            e.InterestRegistered: self._interest_registered,
            s.SessionScheduled: self._session_scheduled,
            s.SessionRescheduled: self._session_rescheduled,
            s.SessionCancelled: self._session_cancelled,
            s.SessionHeld: self._session_held,
            s.AttendanceCorrected: self._attendance_corrected,
            s.ParticipantCompleted: self._participant_completed,
            m.MeasureProposed: self._measure_proposed,
            m.MeasureAdopted: self._measure_adopted,
            m.MeasureFollowedUp: self._measure_followed_up,
            m.FollowUpOverdue: self._follow_up_overdue,
            m.MilestoneOverdue: self._milestone_overdue,
            m.MeasureEvaluated: self._measure_closed,
            m.MeasureDiscontinued: self._measure_closed,
        }

    def prepared(self, events: Sequence[CloudEvent]) -> AbstractAsyncContextManager[None]:
        """The consumer's batch scope: contact details and preferences of everyone the batch names, read once."""
        return self._mail.prepared_for(people_named(event.data for event in events))

    async def handle(self, event: CloudEvent) -> None:
        token = current_network_id.set(event.data.network_id)
        try:
            await self._webhooks.fan_out(event)
            route = self._routes.get(type(event.data))
            if route is not None:
                await route(event, event.data)
        finally:
            current_network_id.reset(token)

    # -- helpers ------------------------------------------------------------------------------

    def _fact(self, event: CloudEvent, time_zone: str | None = None) -> Fact:
        zone = time_zone or self._settings.network_profile(event.data.network_id).time_zone
        return Fact(event_id=event.id, event_type=event.type, network_id=event.data.network_id, time_zone=zone,
                    occurred_at=event.time)

    async def _cohort_fact(self, event: CloudEvent, cohort_id: str, programme_id: str | None = None
                           ) -> tuple[Fact, dict[str, Any]]:
        cohort = await self._read.cohort(cohort_id)
        programme = await self._read.programme(programme_id or (cohort.programme_id if cohort else None))
        fact = self._fact(event, cohort.time_zone if cohort else None)
        return fact, {"programme": programme_context(programme), "cohort": cohort_context(cohort)}

    async def _send(self, notices: Iterable[Notice]) -> None:
        """Mail every notice, a few at a time (a session can concern a whole cohort).

        A template failure does not stop the others; it is raised once all were tried. Any
        other failure (a server away) is raised as it is, so the consumer retries the event.
        """
        slots = asyncio.Semaphore(self._settings.smtp_connections)

        async def deliver(notice: Notice) -> None:
            async with slots:
                await self._mail.deliver(notice)

        outcomes = await asyncio.gather(*(deliver(n) for n in notices), return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        for failure in failures:
            if not isinstance(failure, TemplateRenderFailed):
                raise failure
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise TemplateRenderFailed(f"{failures[0]}{more}") from failures[0]

    # -- enrollment ---------------------------------------------------------------------------

    async def _programme(self, event: CloudEvent, data: e.ProgrammePublished | e.ProgrammeUpdated) -> None:
        await self._read.save_programme(data.programme_id, title=data.title, language=data.language,
                                        network_id=data.network_id)

    async def _cohort_opened(self, event: CloudEvent, data: e.CohortOpened) -> None:
        await self._read.save_cohort(
            data.cohort_id, programme_id=data.programme_id, network_id=data.network_id, term=data.term,
            location=data.location, time_zone=data.time_zone, applications_open_at=data.applications_open_at,
            applications_close_at=data.applications_close_at,
            starts_on=data.starts_on.isoformat() if data.starts_on else None)
        interests = await self._read.interests_to_tell(data.programme_id, data.cohort_id)
        if not interests:
            return
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        await self._send(fact.notice(Kind.COHORT_OPENED, i.person_id, context) for i in interests)
        for interest in interests:
            await self._read.interest_told(interest.id, data.cohort_id)

    async def _application_submitted(self, event: CloudEvent, data: e.ApplicationSubmitted) -> None:
        await self._read.save_application(
            data.application_id, cohort_id=data.cohort_id, programme_id=data.programme_id,
            participant_id=data.participant_id, manager_id=data.manager_id,
            requires_manager_approval=data.requires_manager_approval)
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        context |= {"requires_manager_approval": data.requires_manager_approval, "application_id": data.application_id}
        notices = [fact.notice(Kind.APPLICATION_RECEIVED, data.participant_id, context)]
        if data.requires_manager_approval:
            # A team's manager is asked once for the whole team (the fact is the team, not each member).
            notices.append(fact.notice(Kind.APPROVAL_REQUESTED, data.manager_id, context,
                                       fact_id=f"team-approval:{data.team_id}" if data.team_id else None,
                                       about_person_id=data.participant_id,
                                       link=application_page(data.application_id)))
            await self._plan_approval_reminder(event, data)
        await self._send(notices)

    async def _plan_approval_reminder(self, event: CloudEvent, data: e.ApplicationSubmitted) -> None:
        """One reminder to the manager, due when the application has waited the configured days.

        Counted from the event's own time, so a consumer catching up plans the same moment it
        would have planned live; a redelivery finds the row already there, and one that comes
        after the decision (the row already dropped) plans nothing.
        """
        known = await self._read.application(data.application_id)
        if known is not None and known.status:
            return
        await self._reminders.add([{
            "_id": approval_reminder_id(data.application_id), "kind": Kind.APPROVAL_REMINDER.value,
            "application_id": data.application_id, "cohort_id": data.cohort_id, "recipient_id": data.manager_id,
            "fire_at": approval_reminder_fire_at(event.time, self._settings.approval_reminder_days),
            "waiting_days": self._settings.approval_reminder_days,
            "fact_id": approval_reminder_fact(data.application_id, team_id=data.team_id), "team_id": data.team_id,
            "event_id": event.id, "network_id": data.network_id, "status": PENDING, "created_at": self._clock(),
        }])

    async def _application_settled(self, application_id: str, status: str) -> None:
        """The manager decided, or the applicant withdrew: nothing is waiting any more, so no reminder."""
        await self._read.save_application(application_id, status=status)
        await self._reminders.drop({"_id": approval_reminder_id(application_id), "status": PENDING})

    async def _application_step_approved(self, event: CloudEvent, data: e.ApplicationStepApproved) -> None:
        """A step of an approval chain is done: whoever holds the next one is asked, and reminded later.

        The decided step's reminder is cancelled; a reminder of a step since decided is skipped when
        it comes due (the read model knows the step the application waits at).
        """
        step = data.step + 1
        await self._read.save_application(data.application_id, approval_step=step)
        await self._reminders.drop({"_id": approval_reminder_id(data.application_id), "status": PENDING})
        days = self._settings.approval_reminder_days
        await self._reminders.add([{
            "_id": approval_reminder_id(data.application_id, step, recipient), "kind": Kind.APPROVAL_REMINDER.value,
            "application_id": data.application_id, "cohort_id": data.cohort_id, "recipient_id": recipient,
            "step": step, "fire_at": approval_reminder_fire_at(event.time, days), "waiting_days": days,
            "fact_id": approval_reminder_fact(data.application_id, step), "event_id": event.id,
            "network_id": data.network_id, "status": PENDING, "created_at": self._clock(),
        } for recipient in data.next_approver_ids])
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        context |= {"application_id": data.application_id,
                    "approval": {"step": step, "steps": data.steps, "step_kind": data.next_step_kind}}
        await self._send(fact.notice(Kind.APPROVAL_STEP_REQUESTED, recipient, context,
                                     about_person_id=data.participant_id, link=application_page(data.application_id))
                         for recipient in data.next_approver_ids)

    async def _application_approved(self, event: CloudEvent, data: e.ApplicationApproved) -> None:
        application = await self._read.application(data.application_id)
        await self._application_settled(data.application_id, "approved")
        if application is not None and application.requires_manager_approval is False:
            return  # approved by the programme's policy, not by a person: the seat mail says enough
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        await self._send([fact.notice(Kind.APPLICATION_APPROVED, data.participant_id, context)])

    async def _application_declined(self, event: CloudEvent, data: e.ApplicationDeclined) -> None:
        await self._application_settled(data.application_id, "declined")
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        await self._send([fact.notice(Kind.APPLICATION_DECLINED, data.participant_id, context)])

    async def _participant_enrolled(self, event: CloudEvent, data: e.ParticipantEnrolled) -> None:
        await self._read.enrol(data.cohort_id, data.participant_id)
        async with self._locks.hold("session-reminders", data.cohort_id):
            sessions = await self._read.upcoming_sessions(data.cohort_id, after=event.time)
            await self._reminders.add(row for session in sessions
                                      for row in self._session_reminders(session, [data.participant_id], event))
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        kind = Kind.PROMOTED if data.via == "waitlist" else Kind.ENROLLED
        await self._send([fact.notice(kind, data.participant_id, context)])

    async def _participant_waitlisted(self, event: CloudEvent, data: e.ParticipantWaitlisted) -> None:
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        context["application"] = {"waitlist_position": data.position}
        await self._send([fact.notice(Kind.WAITLISTED, data.participant_id, context)])

    async def _seat_offered(self, event: CloudEvent, data: e.SeatOffered) -> None:
        """The seat is held until the deadline: the person must answer on their page, or it moves on."""
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        context["offer"] = {"expires_at": data.expires_at}
        await self._send([fact.notice(Kind.SEAT_OFFERED, data.participant_id, context)])

    async def _participant_withdrawn(self, event: CloudEvent, data: e.ParticipantWithdrawn) -> None:
        await self._application_settled(data.application_id, "withdrawn")
        await self._read.unenrol(data.cohort_id, data.participant_id)
        async with self._locks.hold("session-reminders", data.cohort_id):
            await self._reminders.drop({"cohort_id": data.cohort_id, "recipient_id": data.participant_id,
                                        "kind": Kind.SESSION_REMINDER.value})

    async def _interest_registered(self, event: CloudEvent, data: e.InterestRegistered) -> None:
        await self._read.add_interest(data.interest_id, programme_id=data.programme_id, person_id=data.person_id,
                                      network_id=data.network_id, registered_at=event.time)

    # -- sessions -----------------------------------------------------------------------------

    def _session_reminders(self, session: KnownSession, participants: list[str], event: CloudEvent
                           ) -> list[dict[str, Any]]:
        """Reminder rows for these participants, for the moments still ahead when the event happened."""
        times = session_reminder_times(session.starts_at, self._settings.session_reminder_days, event.time)
        now = self._clock()
        return [{
            "_id": f"session:{session.id}:{participant}:{t.days_before}d",
            "kind": Kind.SESSION_REMINDER.value, "session_id": session.id, "cohort_id": session.cohort_id,
            "recipient_id": participant, "days_before": t.days_before, "fire_at": t.fire_at,
            "fact_id": reminder_fact(session.id, session.starts_at, t.days_before),
            "event_id": event.id, "network_id": session.network_id, "status": PENDING, "created_at": now,
        } for participant in participants for t in times]

    async def _replan_session(self, session_id: str, cohort_id: str, event: CloudEvent) -> tuple[KnownSession, list[str]]:
        async with self._locks.hold("session-reminders", cohort_id):
            session = await self._read.session(session_id)
            assert session is not None
            roster = await self._read.roster(cohort_id)
            await self._reminders.replace({"session_id": session_id}, self._session_reminders(session, roster, event))
        return session, roster

    async def _session_notices(self, kind: Kind, event: CloudEvent, session: KnownSession, roster: list[str]
                               ) -> list[Notice]:
        cohort = await self._read.cohort(session.cohort_id)
        programme = await self._read.programme(session.programme_id or (cohort.programme_id if cohort else None))
        context = session_mail_context(session, cohort, programme)
        fact = self._fact(event, session.time_zone)
        return [fact.notice(kind, participant, context) for participant in roster]

    async def _session_held(self, event: CloudEvent, data: s.SessionHeld) -> None:
        await self._tell_absent(event, data.session_id, data.absent_participant_ids)

    async def _attendance_corrected(self, event: CloudEvent, data: s.AttendanceCorrected) -> None:
        if data.status == "absent":
            await self._tell_absent(event, data.session_id, [data.participant_id])

    async def _tell_absent(self, event: CloudEvent, session_id: str, absent: list[str]) -> None:
        """Someone absent from a mandatory gathering is told, and so is their leader: it stands between the
        participant and completing, unless the coordinator arranges a make-up. Once per person and session
        (the fact), whether the absence came with the session marked held or with a later correction."""
        session = await self._read.session(session_id)
        if not absent or session is None or not session.mandatory:
            return
        cohort = await self._read.cohort(session.cohort_id)
        programme = await self._read.programme(session.programme_id or (cohort.programme_id if cohort else None))
        context = session_mail_context(session, cohort, programme)
        fact = self._fact(event, session.time_zone)
        notices = []
        for participant in absent:
            fact_id = f"absence:{session_id}:{participant}"
            notices.append(fact.notice(Kind.ABSENCE_RECORDED, participant, context, fact_id=fact_id))
            application = await self._read.application_in(session.cohort_id, participant)
            if application is not None and application.manager_id:
                notices.append(fact.notice(Kind.EMPLOYEE_ABSENT, application.manager_id, context,
                                           fact_id=fact_id, about_person_id=participant))
        await self._send(notices)

    async def _session_scheduled(self, event: CloudEvent, data: s.SessionScheduled) -> None:
        await self._read.save_session(
            data.session_id, cohort_id=data.cohort_id, programme_id=data.programme_id, network_id=data.network_id,
            kind=data.kind.value, starts_at=data.starts_at, ends_at=data.ends_at, time_zone=data.time_zone,
            online=data.online, mandatory=data.mandatory, status="scheduled", sequence=0,
            schedule_event_id=event.id, previous_starts_at=None, reason=None)
        session, roster = await self._replan_session(data.session_id, data.cohort_id, event)
        await self._send(await self._session_notices(Kind.SESSION_SCHEDULED, event, session, roster))

    async def _session_rescheduled(self, event: CloudEvent, data: s.SessionRescheduled) -> None:
        before = await self._read.move_session(data.session_id, starts_at=data.starts_at, ends_at=data.ends_at,
                                               event_id=event.id, reason=data.reason)
        if before is None:
            # Its scheduling happened before this service listened: keep what this event tells.
            cohort = await self._read.cohort(data.cohort_id)
            await self._read.save_session(
                data.session_id, cohort_id=data.cohort_id, programme_id=cohort.programme_id if cohort else None,
                network_id=data.network_id, kind=None, starts_at=data.starts_at, ends_at=data.ends_at,
                time_zone=(cohort.time_zone if cohort else None) or self._fact(event).time_zone, online=False,
                mandatory=False, status="scheduled", sequence=1, schedule_event_id=event.id,
                previous_starts_at=None, reason=data.reason)
        session, roster = await self._replan_session(data.session_id, data.cohort_id, event)
        await self._send(await self._session_notices(Kind.SESSION_RESCHEDULED, event, session, roster))

    async def _session_cancelled(self, event: CloudEvent, data: s.SessionCancelled) -> None:
        async with self._locks.hold("session-reminders", data.cohort_id):
            await self._reminders.drop({"session_id": data.session_id})
            session = await self._read.session(data.session_id)
            if session is not None:
                await self._read.save_session(data.session_id, status="cancelled", reason=data.reason)
        if session is None:
            log.warning("session %s was cancelled before this service learned of it; nobody to tell", data.session_id)
            return
        roster = await self._read.roster(data.cohort_id)
        session = replace(session, reason=data.reason)
        await self._send(await self._session_notices(Kind.SESSION_CANCELLED, event, session, roster))

    async def _participant_completed(self, event: CloudEvent, data: s.ParticipantCompleted) -> None:
        fact, context = await self._cohort_fact(event, data.cohort_id, data.programme_id)
        context["completion"] = {"completed_at": data.completed_at}
        await self._send([fact.notice(Kind.COMPLETED, data.participant_id, context)])

    # -- measures -----------------------------------------------------------------------------

    @staticmethod
    def _measure_people(data: m.MeasureProposed | m.MeasureAdopted, known: Iterable[str]) -> list[str]:
        """Who hears about a measure's follow-ups: its owners (leader, union and safety
        representatives) when the event names them, and the facilitator who proposed it."""
        people = list(known)
        # `owners` is an optional field of contract v1; events from before it carry none.
        for owner in getattr(data, "owners", []):
            people.append(owner.person_id)
        if getattr(data, "facilitator_id", None):
            people.append(data.facilitator_id)
        return sorted(set(people))

    async def _measure_proposed(self, event: CloudEvent, data: m.MeasureProposed) -> None:
        await self._read.save_measure(data.measure_id, network_id=data.network_id, area=data.area.value,
                                      organisation_id=data.organisation_id, status="proposed",
                                      people=self._measure_people(data, []))
        await self._ask_representatives(event, data)

    async def _ask_representatives(self, event: CloudEvent, data: m.MeasureProposed) -> None:
        """The union and safety representatives named in the proposal are asked to agree to it.

        The fact is the measure, not the event: a proposal published again (a redelivery, or
        the measure proposed anew with the same owners) asks each representative once.
        """
        representatives = sorted({owner.person_id for owner in data.owners if owner.role in ASKED_TO_AGREE})
        if not representatives:
            return
        fact = self._fact(event)
        context = {"measure": {"area": data.area.value}}
        await self._send(fact.notice(Kind.AGREEMENT_REQUESTED, person, context,
                                     fact_id=agreement_fact(data.measure_id), link=measure_page(data.measure_id))
                         for person in representatives)

    async def _measure_adopted(self, event: CloudEvent, data: m.MeasureAdopted) -> None:
        measure = await self._read.measure(data.measure_id)
        await self._read.save_measure(data.measure_id, network_id=data.network_id, area=data.area.value,
                                      organisation_id=data.organisation_id, status="adopted",
                                      people=self._measure_people(data, measure.people if measure else ()))
        await self._plan_follow_up(event, data.measure_id, data.next_follow_up_due)

    async def _measure_followed_up(self, event: CloudEvent, data: m.MeasureFollowedUp) -> None:
        await self._read.save_measure(data.measure_id, area=data.area.value,
                                      status="in_practice" if data.in_practice else "adopted")
        await self._plan_follow_up(event, data.measure_id, data.next_follow_up_due)

    async def _follow_up_overdue(self, event: CloudEvent, data: m.FollowUpOverdue) -> None:
        measure = await self._read.measure(data.measure_id) or KnownMeasure(id=data.measure_id, area=data.area.value)
        fact = self._fact(event)
        context = {"measure": measure_context(measure, data.due_on)}
        await self._send(fact.notice(Kind.FOLLOW_UP_OVERDUE, person, context, link=measure_page(data.measure_id))
                         for person in measure.people)

    async def _milestone_overdue(self, event: CloudEvent, data: m.MilestoneOverdue) -> None:
        """A progress plan's owners hear that a milestone passed unreached (they are named in the event)."""
        context = {"milestone": {"kind": data.kind.value, "due_on": data.due_on, "target_value": data.target_value,
                                 "current_value": data.current_value}}
        await self._send(self._fact(event).notice(Kind.MILESTONE_OVERDUE, person, context) for person in data.owner_ids)

    async def _measure_closed(self, event: CloudEvent, data: m.MeasureEvaluated | m.MeasureDiscontinued) -> None:
        await self._read.save_measure(data.measure_id, area=data.area.value, status="closed")
        await self._reminders.drop({"measure_id": data.measure_id})

    async def _plan_follow_up(self, event: CloudEvent, measure_id: str, due_on: date | None) -> None:
        if due_on is None:
            await self._reminders.drop({"measure_id": measure_id})
            return
        measure = await self._read.measure(measure_id)
        zone = self._settings.network_profile(event.data.network_id).time_zone
        fire_at: datetime = follow_up_fire_at(due_on, zone, self._settings.follow_up_reminder_hour)
        now = self._clock()
        await self._reminders.replace({"measure_id": measure_id}, [{
            "_id": f"follow-up:{measure_id}:{person}", "kind": Kind.FOLLOW_UP_DUE.value, "measure_id": measure_id,
            "recipient_id": person, "due_on": due_on.isoformat(), "fire_at": fire_at,
            "fact_id": follow_up_fact(measure_id, due_on), "event_id": event.id,
            "network_id": event.data.network_id, "status": PENDING, "created_at": now,
        } for person in (measure.people if measure else ())])
