"""Completion: decides who completed a cohort when its sessions are held or attendance is corrected.

Each completion is a document of its own, `_id` = (cohort, participant), inserted once
together with its ParticipantCompleted: evaluating twice publishes nothing twice.

The use case that holds a session or corrects attendance marks the session
`completion_due` in the same write, then settles the cohort right away and clears the
mark. If the process stops in between, the mark survives and the cohort is settled at
the next start. The alternative, reacting to the service's own SessionHeld events from
Kafka, was rejected: a second subscription in the service's consumer group forces a
rebalance at every start, during which a brand-new group reading from "latest" skips
records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from samla_shared.clock import Clock, system_clock
from samla_shared.contract.enrollment import CompletionRule
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_shared.persistence.document_locks import DocumentLocks
from samla_sessions.adapters.ports import (
    CompletionRepository,
    RosterRepository,
    SessionRepository,
    StoreUnavailable,
    completion_id,
)
from samla_sessions.domain.completion import (
    CompletionRecord,
    Progress,
    cohort_is_complete,
    mandatory_sessions,
    progress,
)
from samla_sessions.domain.session import Session, SessionStatus

log = logging.getLogger("samla.sessions.completion")


@dataclass(frozen=True)
class CompletionList:
    cohort_id: str
    rule: CompletionRule
    mandatory_sessions: int
    mandatory_sessions_held: int
    finished: bool
    completed: list[CompletionRecord]  # the published completions
    progress: list[tuple[Progress, str | None]]  # each participant's progress, with their organisation


class CompletionPolicy:
    def __init__(self, sessions: SessionRepository, roster: RosterRepository, completions: CompletionRepository,
                 locks: DocumentLocks, on_events_staged: Callable[[], None] = lambda: None,
                 clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self.roster = roster
        self.completions = completions
        self._locks = locks
        self._wake_relay = on_events_staged
        self._now = clock

    async def settle(self, cohort_id: str, *, as_of: datetime) -> None:
        """Evaluate the cohort and clear the completion-due marks of the sessions it was evaluated with."""
        async with self._locks.hold("cohort-completion", cohort_id):
            due = await self.sessions.completion_due_in(cohort_id)
            seen = await self.evaluate(cohort_id, as_of=as_of)
            for session in seen:
                if session.id in due:
                    async with self._locks.hold("sessions", session.id):
                        await self.sessions.clear_completion_due(session.id, session.version)

    async def catch_up(self) -> None:
        """Settle every cohort left with completion due (a stop between a held session and its completions)."""
        for cohort_id in await self.sessions.cohorts_with_completion_due():
            log.info("settling completions of cohort %s left due", cohort_id)
            try:
                await self.settle(cohort_id, as_of=self._now())
            except StoreUnavailable:
                raise  # the database went away: the start-up retries the whole catch-up
            except Exception:
                # One cohort that cannot be settled must not keep the service from starting;
                # its mark stays, so the next start (or its next held session) tries again.
                log.exception("could not settle completions of cohort %s", cohort_id)

    async def evaluate(self, cohort_id: str, *, as_of: datetime) -> list[Session]:
        """Record completions that became true and revoke those a correction made untrue.

        Returns the sessions the evaluation was based on.
        """
        sessions = await self.sessions.of_cohort(cohort_id)
        if not sessions:
            return []
        members = await self.roster.enrolled(cohort_id)
        existing = await self.completions.of_cohort(cohort_id)
        rule = await self._rule(sessions[0].programme_id)
        staged = False
        for p in progress(members.keys() | existing.keys(), sessions, rule):
            record = existing.get(p.participant_id)
            status = record.status if record else None
            facts = members.get(p.participant_id) or existing[p.participant_id]
            ids = {"network_id": facts.network_id, "cohort_id": cohort_id, "programme_id": sessions[0].programme_id,
                   "participant_id": p.participant_id, "organisation_id": facts.organisation_id}
            async with self._locks.hold("completions", completion_id(cohort_id, p.participant_id)):
                if p.completed and p.participant_id in members and status != "completed":
                    fields = {k: v for k, v in ids.items() if k not in ("cohort_id", "participant_id")}
                    staged |= await self.completions.complete(
                        cohort_id, p.participant_id, fields | {"completed_at": as_of},
                        ParticipantCompleted(**ids, completed_at=as_of))
                elif p.missed and status == "completed":
                    # Only missed attendance undoes a completion; a session added later does not.
                    reason = f"attendance corrected: did not attend {len(p.missed)} mandatory session(s)"
                    staged |= await self.completions.revoke(
                        cohort_id, p.participant_id, {"revoked_at": as_of, "revoked_reason": reason},
                        CompletionRevoked(**ids, revoked_at=as_of, reason=reason))
        if staged:
            self._wake_relay()
        return sessions

    async def completion_list(self, cohort_id: str) -> CompletionList:
        sessions = await self.sessions.of_cohort(cohort_id)
        members = await self.roster.enrolled(cohort_id)
        existing = await self.completions.of_cohort(cohort_id)
        rule = await self._rule(sessions[0].programme_id) if sessions else CompletionRule()
        required = mandatory_sessions(sessions)
        completed = sorted((record for record in existing.values() if record.status == "completed"),
                           key=lambda record: (record.completed_at, record.participant_id))
        organisations = {pid: known.organisation_id for pid, known in (existing | members).items()}
        return CompletionList(
            cohort_id=cohort_id, rule=rule, mandatory_sessions=len(required),
            mandatory_sessions_held=sum(s.status is SessionStatus.HELD for s in required),
            finished=cohort_is_complete(sessions), completed=completed,
            progress=[(p, organisations.get(p.participant_id))
                      for p in progress(members.keys() | {d.participant_id for d in completed}, sessions, rule)],
        )

    async def _rule(self, programme_id: str) -> CompletionRule:
        programme = await self.roster.programme(programme_id)
        return programme.completion_rule if programme else CompletionRule()

