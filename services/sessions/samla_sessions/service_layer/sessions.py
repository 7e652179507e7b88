"""Session use cases: schedule, generate from the template, reschedule, cancel, agenda, attendance, held.

Each use case checks the domain rules, changes the session and stages its events in the
same single-document write. Every read-modify-write of a session holds that session's
document lock, because FerretDB v1 updates are not atomic (see DocumentLocks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from samla_shared.clock import Clock, system_clock
from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.enrollment import GatheringKind
from samla_shared.contract.sessions import (
    AttendanceCorrected,
    AttendanceCounts,
    MakeUpRecorded,
    SessionCancelled,
    SessionHeld,
    SessionRescheduled,
    SessionScheduled,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_sessions.adapters.ports import RosterRepository, SessionRepository
from samla_sessions.domain.agenda import AgendaItem, AgendaItemKind, DialogueStep
from samla_sessions.domain.attendance import AttendanceStatus, MakeUp, MakeUpKind, check_make_up
from samla_sessions.domain.cohort import KnownCohort, KnownProgramme
from samla_sessions.domain.errors import Conflict, NotFound, RuleViolation
from samla_sessions.domain.schedule import (
    IN_PERSON_HOURS,
    ONLINE_HOURS,
    DayHours,
    PlannedSession,
    as_utc,
    follow_up_day,
    generate_schedule,
    local_day,
    local_to_utc,
    title_of,
)
from samla_sessions.domain.session import Assignment, Material, Session, SessionStatus
from samla_sessions.service_layer.completion import CompletionPolicy

# Sessions generated from a template get ids derived from (cohort, step), so a retried
# generation recreates only what is missing instead of doubling the schedule.
GENERATED_IDS = uuid.UUID("6f1f0a52-3c1e-4d8e-9b7e-5a4c2b1d0e93")

@dataclass(frozen=True)
class SessionDraft:
    """What a coordinator gives to put one session in the calendar."""

    kind: GatheringKind
    starts_at: datetime
    ends_at: datetime
    title: str | None = None
    time_zone: str | None = None
    online: bool = False
    mandatory: bool = True
    venue: str | None = None
    city: str | None = None
    online_link: str | None = None
    description: str = ""
    materials: Sequence[Material] = ()
    assignments: Sequence[Assignment] = ()


@dataclass(frozen=True)
class AgendaItemDraft:
    """An agenda item as given: times of day (on a one-day session) or date-times, local unless offset."""

    starts_at: datetime | time
    ends_at: datetime | time
    title: str
    kind: AgendaItemKind
    speakers: Sequence[str] = ()
    facilitators: Sequence[str] = ()
    steps: Sequence[DialogueStep] = ()
    group_size: int | None = None


@dataclass(frozen=True)
class AttendanceEntry:
    participant_id: str
    status: AttendanceStatus
    minutes: int | None = None


class SessionService:
    def __init__(self, sessions: SessionRepository, roster: RosterRepository, completion: CompletionPolicy,
                 locks: DocumentLocks, on_events_staged: Callable[[], None] = lambda: None,
                 clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self.roster = roster
        self.completion = completion
        self._locks = locks
        self._wake_relay = on_events_staged
        self._now = clock

    # -- what sessions knows from enrollment --------------------------------------------------

    async def cohort(self, cohort_id: str) -> KnownCohort:
        cohort = await self.roster.cohort(cohort_id)
        if cohort is None:
            raise NotFound(f"no cohort {cohort_id} is known here yet (sessions learns cohorts from enrollment's "
                           "CohortOpened events)")
        return cohort

    async def programme(self, programme_id: str) -> KnownProgramme:
        programme = await self.roster.programme(programme_id)
        if programme is None:
            raise NotFound(f"no programme {programme_id} is known here yet")
        return programme

    # -- scheduling -----------------------------------------------------------------------------

    async def schedule(self, cohort_id: str, draft: SessionDraft) -> Session:
        cohort = await self.cohort(cohort_id)
        time_zone = draft.time_zone or cohort.time_zone
        session = Session(
            id=uuid.uuid4().hex, cohort_id=cohort_id, programme_id=cohort.programme_id,
            network_id=cohort.network_id, kind=draft.kind,
            title=draft.title or title_of(draft.kind, await self._language(cohort)),
            starts_at=as_utc(draft.starts_at, time_zone), ends_at=as_utc(draft.ends_at, time_zone),
            time_zone=time_zone, online=draft.online, mandatory=draft.mandatory, venue=draft.venue,
            city=draft.city or (None if draft.online else cohort.location), online_link=draft.online_link,
            description=draft.description, materials=list(draft.materials), assignments=list(draft.assignments),
        )
        await self._add(session)
        self._wake_relay()
        return session

    async def generate(
        self, cohort_id: str, *, starts_on: date | None, in_person: DayHours | None = None,
        online: DayHours | None = None, follow_up_weeks_after_closing: int | None = None,
    ) -> list[Session]:
        """Create the cohort's sessions from its programme's gathering plan (once)."""
        cohort = await self.cohort(cohort_id)
        programme = await self.programme(cohort.programme_id)
        starts_on = starts_on or cohort.starts_on
        if starts_on is None:
            raise RuleViolation("give starts_on: the cohort has no start date to generate its schedule from")
        planned = generate_schedule(
            list(programme.gathering_plan),
            starts_on=starts_on, time_zone=cohort.time_zone, language=programme.language,
            in_person=in_person or IN_PERSON_HOURS, online=online or ONLINE_HOURS,
            follow_up_weeks_after_closing=follow_up_weeks_after_closing,
        )
        created = []
        async with self._locks.hold("cohort-schedule", cohort_id):
            for step in planned:
                session = self._from_plan(cohort_id, cohort, step)
                if await self._add(session, refuse_duplicate=False):
                    created.append(session)
        if not created:
            raise Conflict("the schedule of this cohort was already generated; reschedule or cancel its sessions")
        self._wake_relay()
        return created

    async def add_follow_up_day(
        self, cohort_id: str, *, weeks_after_closing: int, online: bool = False, mandatory: bool = False,
        hours: DayHours | None = None, venue: str | None = None, city: str | None = None,
        online_link: str | None = None,
    ) -> Session:
        """Seed 004's follow-up day: a working day some weeks after the cohort's closing."""
        cohort = await self.cohort(cohort_id)
        async with self._locks.hold("cohort-schedule", cohort_id):
            current = [s for s in await self.sessions.of_cohort(cohort_id) if s.status is not SessionStatus.CANCELLED]
            closings = [s for s in current if s.kind is GatheringKind.CLOSING]
            if not closings:
                raise RuleViolation("the cohort has no closing session to place a follow-up day after")
            if any(s.kind is GatheringKind.FOLLOW_UP_DAY for s in current):
                raise Conflict("the cohort already has a follow-up day; reschedule it instead")
            closing = max(closings, key=lambda s: s.starts_at)
            day = follow_up_day(local_day(closing.ends_at, closing.time_zone), weeks_after_closing)
            hours = hours or (ONLINE_HOURS if online else IN_PERSON_HOURS)
            session = Session(
                id=uuid.uuid4().hex, cohort_id=cohort_id, programme_id=cohort.programme_id,
                network_id=cohort.network_id, kind=GatheringKind.FOLLOW_UP_DAY,
                title=title_of(GatheringKind.FOLLOW_UP_DAY, await self._language(cohort)),
                starts_at=local_to_utc(day, hours.starts, closing.time_zone),
                ends_at=local_to_utc(day, hours.ends, closing.time_zone), time_zone=closing.time_zone,
                online=online, mandatory=mandatory, venue=venue,
                city=city or (None if online else closing.city or cohort.location), online_link=online_link,
            )
            await self._add(session)
        self._wake_relay()
        return session

    def _from_plan(self, cohort_id: str, cohort: KnownCohort, step: PlannedSession) -> Session:
        return Session(
            id=uuid.uuid5(GENERATED_IDS, f"{cohort_id}/plan/{step.step}").hex, cohort_id=cohort_id,
            programme_id=cohort.programme_id, network_id=cohort.network_id, kind=step.kind, title=step.title,
            starts_at=step.starts_at, ends_at=step.ends_at, time_zone=cohort.time_zone, online=step.online,
            mandatory=step.mandatory, city=None if step.online else cohort.location, plan_step=step.step,
        )

    async def _add(self, session: Session, *, refuse_duplicate: bool = True) -> bool:
        event = SessionScheduled(
            network_id=session.network_id, cohort_id=session.cohort_id, session_id=session.id,
            programme_id=session.programme_id, kind=session.kind, starts_at=session.starts_at,
            ends_at=session.ends_at, time_zone=session.time_zone, online=session.online, mandatory=session.mandatory,
        )
        added = await self.sessions.add(session, event, created_at=self._now())
        if not added and refuse_duplicate:
            raise Conflict(f"a session {session.id} exists already")
        return added

    async def _language(self, cohort: KnownCohort) -> str:
        programme = await self.roster.programme(cohort.programme_id)
        return programme.language if programme else "nb"

    # -- reading --------------------------------------------------------------------------------

    async def get(self, session_id: str) -> Session:
        session = await self.sessions.get(session_id)
        if session is None:
            raise NotFound(f"no session {session_id}")
        return session

    async def of_cohort(self, cohort_id: str, status: SessionStatus | None = None) -> list[Session]:
        sessions = await self.sessions.of_cohort(cohort_id)
        if not sessions:
            await self.cohort(cohort_id)  # 404 for a cohort nobody has heard of, [] for one without sessions
        return [s for s in sessions if status is None or s.status is status]

    # -- changing a session ---------------------------------------------------------------------

    async def revise(self, session_id: str, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
                     reason: str | None = None, details: dict[str, Any] | None = None) -> Session:
        """Reschedule (with a reason) and/or change the details participants read."""

        def change(session: Session) -> list[IntegrationEvent]:
            events: list[IntegrationEvent] = []
            if details:
                session.revise(**details)
            if starts_at is not None or ends_at is not None:
                new_start = as_utc(starts_at, session.time_zone) if starts_at else session.starts_at
                # Moving only the start keeps the session's length; moving only the end keeps its start.
                new_end = (as_utc(ends_at, session.time_zone) if ends_at
                           else new_start + (session.ends_at - session.starts_at))
                if session.reschedule(new_start, new_end, reason=reason or "", now=self._now()):
                    events.append(SessionRescheduled(
                        network_id=session.network_id, cohort_id=session.cohort_id, session_id=session.id,
                        starts_at=new_start, ends_at=new_end, reason=reason or ""))
            return events

        return await self._change(session_id, change)

    async def cancel(self, session_id: str, *, reason: str) -> Session:
        def change(session: Session) -> list[IntegrationEvent]:
            session.cancel(reason=reason, now=self._now())
            return [SessionCancelled(network_id=session.network_id, cohort_id=session.cohort_id,
                                     session_id=session.id, reason=reason)]

        return await self._change(session_id, change)

    async def replace_agenda(self, session_id: str, drafts: Sequence[AgendaItemDraft]) -> Session:
        def change(session: Session) -> list[IntegrationEvent]:
            session.replace_agenda([
                AgendaItem(starts_at=placed(d.starts_at, session), ends_at=placed(d.ends_at, session), title=d.title,
                           kind=d.kind, speakers=tuple(d.speakers), facilitators=tuple(d.facilitators),
                           steps=tuple(d.steps), group_size=d.group_size)
                for d in drafts])
            return []

        return await self._change(session_id, change)

    async def record_attendance(self, session_id: str, entries: Sequence[AttendanceEntry],
                                by: str | None = None) -> Session:
        """Register attendance; on a held session each change is a correction and is published."""
        session = await self.get(session_id)
        members = await self.roster.enrolled(session.cohort_id)
        rostered = members.keys()

        def change(session: Session) -> list[IntegrationEvent]:
            events: list[IntegrationEvent] = []
            now = self._now()
            for entry in entries:
                record = session.record_attendance(entry.participant_id, entry.status, entry.minutes,
                                                   rostered=rostered, now=now, by=by)
                if record is not None and session.status is SessionStatus.HELD:
                    events.append(AttendanceCorrected(
                        network_id=session.network_id, cohort_id=session.cohort_id, session_id=session.id,
                        participant_id=entry.participant_id, status=entry.status.value,
                        organisation_id=members[entry.participant_id].organisation_id,
                        attendance=AttendanceCounts(**session.counts())))
            return events

        return await self._change(session_id, change)

    async def record_make_up(self, session_id: str, participant_id: str, *, kind: MakeUpKind,
                             other_session_id: str | None, note: str | None, by: str | None) -> Session:
        """The coordinator records how a participant made up for this missed mandatory session; completion
        is settled again (a participant who now attended everything completes)."""
        check_make_up(kind, other_session_id, note)
        if kind is MakeUpKind.SESSION:
            missed, other = await self.get(session_id), await self.get(other_session_id or "")
            if other.status is not SessionStatus.HELD:
                raise Conflict(f"session {other.id} has not been held")
            if (other.programme_id, other.kind) != (missed.programme_id, missed.kind) or other.cohort_id == missed.cohort_id:
                raise RuleViolation("a make-up session is the same gathering of the programme, with another cohort")

        def change(session: Session) -> list[IntegrationEvent]:
            make_up = MakeUp(participant_id, kind, other_session_id if kind is MakeUpKind.SESSION else None,
                             note, self._now(), by)
            session.record_make_up(make_up)
            return [MakeUpRecorded(network_id=session.network_id, cohort_id=session.cohort_id, session_id=session.id,
                                   participant_id=participant_id, kind=kind.value,
                                   make_up_session_id=make_up.session_id, recorded_by=by)]

        return await self._change(session_id, change)

    async def mark_held(self, session_id: str, *, held_at: datetime | None = None) -> Session:
        session = await self.get(session_id)
        rostered = (await self.roster.enrolled(session.cohort_id)).keys()

        def change(session: Session) -> list[IntegrationEvent]:
            now = self._now()
            at = as_utc(held_at, session.time_zone) if held_at else now
            counts = session.mark_held(held_at=at, rostered=rostered, now=now)
            absent = sorted(p for p, a in session.attendance.items() if a.status is AttendanceStatus.ABSENT)
            return [SessionHeld(network_id=session.network_id, cohort_id=session.cohort_id, session_id=session.id,
                                held_at=at, attendance=AttendanceCounts(**counts), absent_participant_ids=absent)]

        return await self._change(session_id, change)

    async def _change(self, session_id: str, change: Callable[[Session], list[IntegrationEvent]]) -> Session:
        async with self._locks.hold("sessions", session_id):
            session = await self.get(session_id)
            events = change(session)
            # Attendance of a held session counts towards completion: settle it (below) or after a restart.
            completion_due = session.status is SessionStatus.HELD and bool(events)
            if not await self.sessions.save(session, *events, updated_at=self._now(), completion_due=completion_due):
                raise Conflict("the session was changed by someone else at the same time; reload it and try again")
        if events:
            self._wake_relay()
        if completion_due:
            await self.completion.settle(session.cohort_id, as_of=self._now())
        return session


def placed(value: datetime | time, session: Session) -> datetime:
    """An agenda time in UTC: a time of day is on the session's (single) local day, a naive datetime is local."""
    if isinstance(value, datetime):
        return as_utc(value, session.time_zone)
    first, last = local_day(session.starts_at, session.time_zone), local_day(session.ends_at, session.time_zone)
    if first != last:
        raise RuleViolation("the session lasts several days: give agenda times with their dates")
    return local_to_utc(first, value, session.time_zone)
