"""Erasure and access requests in sessions.

On ParticipantErased the person's id is replaced, everywhere sessions keeps it, by the
pseudonym `erased:<erasure id>`: roster entries, attendance records (their own and those
they recorded) and completions. One pseudonym for all of them keeps each session's
attendance counts and each cohort's completions exactly as they were, so nothing is
published again; only the link to the person is gone. A redelivered event finds nothing
left to rename.

Known limit: `samla-ops rebuild roster` replays enrollment's topic; ParticipantErased is
replayed with it and renames again, but an erasure read before the enrolment it concerns
(they are keyed differently, so on different partitions) leaves that roster entry with the
bare id, which no longer names anybody. Run the erasures again after a rebuild if needed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from samla_shared.clock import Clock, system_clock
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.personal_data import pseudonym
from samla_sessions.adapters.ports import (
    CalendarFeedRepository,
    PersonalDataRepository,
    SessionRepository,
    completion_id,
)
from samla_sessions.domain.session import Session

log = logging.getLogger("samla.sessions.personal_data")


def renamed(session: Session, person_id: str, alias: str) -> bool:
    """Replace the person in the session's attendance (whose and who recorded it); True if anything changed."""
    changed = False
    attendance = {}
    for participant_id, record in session.attendance.items():
        if participant_id == person_id:
            record, participant_id, changed = replace(record, participant_id=alias), alias, True
        if record.recorded_by == person_id:
            record, changed = replace(record, recorded_by=alias), True
        attendance[participant_id] = record
    session.attendance = attendance
    return changed


class PersonalData:
    def __init__(self, store: PersonalDataRepository, sessions: SessionRepository, locks: DocumentLocks,
                 feeds: CalendarFeedRepository | None = None, clock: Clock = system_clock) -> None:
        self.store = store
        self.sessions = sessions
        self._locks = locks
        self.feeds = feeds
        self._now = clock

    async def on_erased(self, event: CloudEvent) -> None:
        data: ParticipantErased = event.data  # type: ignore[assignment]
        person_id, alias = data.participant_id, pseudonym(data.erasure_id)
        roster = await self.store.roster_entries(person_id)
        found = await self.store.sessions_with(person_id)
        completions = await self.store.completions_of(person_id)
        cohorts = {e["cohort_id"] for e in roster} | {s["cohort_id"] for s in found} | {
            c["cohort_id"] for c in completions}
        for cohort_id in sorted(cohorts):
            # No completion evaluation of the cohort sees it half renamed.
            async with self._locks.hold("cohort-completion", cohort_id):
                for entry in (e for e in roster if e["cohort_id"] == cohort_id):
                    async with self._locks.hold("roster", entry["_id"]):
                        await self.store.rename_roster_entry(entry["_id"], person_id, alias)
                for session in (s for s in found if s["cohort_id"] == cohort_id):
                    await self._rename_in_session(session["_id"], person_id, alias)
                async with self._locks.hold("completions", completion_id(cohort_id, person_id)), \
                        self._locks.hold("completions", completion_id(cohort_id, alias)):
                    await self.store.move_completion(cohort_id, person_id, alias)
        if cohorts:
            log.info("erasure %s: person replaced by a pseudonym in %d cohort(s)", data.erasure_id, len(cohorts))
        if self.feeds is not None and await self.feeds.revoke_all_of(person_id):
            log.info("erasure %s: the person's calendar-feed links revoked", data.erasure_id)

    async def _rename_in_session(self, session_id: str, person_id: str, alias: str) -> None:
        async with self._locks.hold("sessions", session_id):
            session = await self.sessions.get(session_id)
            if session is None or not renamed(session, person_id, alias):
                return
            # Under the session's lock nobody else in this process writes it; the version check
            # refuses a write that slipped in from elsewhere, and the redelivery tries again.
            if not await self.sessions.save(session, updated_at=self._now()):
                raise ConnectionError(f"session {session_id} changed during the erasure; trying again")

    async def export(self, person_id: str) -> dict[str, Any]:
        """What sessions holds about the person: roster entries, attendance, completions (ids and facts)."""
        attendance = []
        for session in await self.store.sessions_with(person_id):
            for record in session.get("attendance", []):
                if person_id in (record.get("participant_id"), record.get("recorded_by")):
                    attendance.append({"session_id": session["_id"], "cohort_id": session["cohort_id"],
                                       "kind": session.get("kind"), "title": session.get("title"),
                                       "starts_at": session.get("starts_at"), **record})
        feeds = await self.feeds.of_person(person_id) if self.feeds is not None else []
        return {"person_id": person_id, "service": "sessions", "roster": await self.store.roster_entries(person_id),
                "attendance": attendance, "completions": await self.store.completions_of(person_id),
                "calendar_feeds": feeds}
