"""Calendar subscriptions that calendar applications can use: a personal, secret, revocable link.

Outlook, Google and Apple Calendar fetch a subscribed feed without any Authorization
header, so the link itself is the credential: 256 random bits, shown once, stored only
as a hash. A participant gets one for their own plan, a coordinator one per cohort;
asking again revokes the old link and issues a new one (a link that leaked is dead the
moment its owner asks). The feeds carry every session with its SEQUENCE and STATUS, so
reschedules and cancellations reach the subscribed calendars.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from samla_shared.clock import Clock, system_clock
from samla_shared.documents.calendar import render_calendar
from samla_shared.persistence.document_locks import DocumentLocks
from samla_sessions.adapters.ports import CalendarFeedRepository
from samla_sessions.domain.errors import NotFound
from samla_sessions.service_layer.participant_plan import ParticipantPlan, calendar_event
from samla_sessions.service_layer.sessions import SessionService


@dataclass(frozen=True)
class IssuedFeed:
    secret: str
    issued_at: datetime


class CalendarFeeds:
    def __init__(self, store: CalendarFeedRepository, plan: ParticipantPlan, sessions: SessionService,
                 locks: DocumentLocks, clock: Clock = system_clock) -> None:
        self.store = store
        self.plan = plan
        self.sessions = sessions
        self._locks = locks
        self._now = clock

    async def issue_for_participant(self, participant_id: str) -> IssuedFeed:
        await self.plan.sessions_of(participant_id)  # 404 for someone on no roster
        return await self._issue(f"participant:{participant_id}", {"participant_id": participant_id},
                                 person_id=participant_id)

    async def issue_for_cohort(self, cohort_id: str, by: str | None) -> IssuedFeed:
        # One link per coordinator and cohort: revoking one coordinator's link leaves the others'.
        return await self._issue(f"cohort:{cohort_id}:{by}", {"cohort_id": cohort_id}, person_id=by)

    async def _issue(self, owner: str, subject: dict[str, str], *, person_id: str | None) -> IssuedFeed:
        secret = secrets.token_urlsafe(32)
        now = self._now()
        async with self._locks.hold("calendar_feed_owners", owner):
            await self.store.replace(owner, secret, subject, now, person_id=person_id)
        return IssuedFeed(secret, now)

    async def feed(self, secret: str) -> bytes:
        found = await self.store.resolve(secret)
        if found is None:
            raise NotFound("no such calendar feed (the link may have been replaced by a new one)")
        if "participant_id" in found:
            return await self.plan.calendar(found["participant_id"])
        cohort = await self.sessions.cohort(found["cohort_id"])
        programme = await self.sessions.roster.programme(cohort.programme_id)
        name = " – ".join(p for p in (programme.title if programme else None, cohort.term) if p) or "Samla"
        events = [calendar_event(s) for s in await self.sessions.of_cohort(found["cohort_id"])]
        return render_calendar(f"Samla: {name}", events, now=self._now())
