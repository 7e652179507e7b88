"""Reconciliation: a cohort's seating brought level with its applications when the CohortWriter takes it up.

The writer writes in a fixed order: applications first (the intent — submitted, approved,
withdrawn — with its history, including the place about to be given, and the events
about to be announced with the cohort version that will carry them), the cohort last
(the placement and the events). If the process stops between the two, the applications
are ahead of the cohort. A cohort is therefore reconciled whenever the writer takes it
up — after start-up, after a failed batch, after it fell out of memory: events announced
for a cohort version that was never written are staged again, approved applications
that hold no place are placed, withdrawn ones that still hold one are released. Nothing
else writes the cohort in between, so a version number is never reused before that.

After a failed batch the cohort is taken up again at once, in the background, retried
with samla_shared.retry's backoff until the database answers (`Reconciler.keep_reconciling`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.retry import retry_until_done
from samla_enrollment.adapters.ports import EnrollmentRepository
from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.errors import NotFound
from samla_enrollment.service_layer.cohort_batch import CohortBatch, announced_events

log = logging.getLogger("samla.enrollment.cohorts")

S = ApplicationStatus
PLACED_AGAIN = "placed again: an earlier placement was interrupted before the cohort recorded it"
# After a failed batch, the first try waits this long (the database that just failed is likely
# still away); then samla_shared.retry's jittered backoff, growing up to the ceiling.
FIRST_TRY_AFTER = 0.5
RETRY_CEILING = 30.0


class SeatMoves(Protocol):
    """The seat changes reconciliation makes, as the writer makes them for its commands."""

    def place(self, changes: CohortBatch, application: dict[str, Any], *, reason: str | None = None
              ) -> dict[str, Any]: ...

    def place_team(self, changes: CohortBatch, applications: list[dict[str, Any]], *,
                   reason: str | None = None) -> list[dict[str, Any]]: ...

    async def release(self, changes: CohortBatch, application: dict[str, Any], *,
                      reason: str = ...) -> None: ...


class Reconciler:
    def __init__(self, store: EnrollmentRepository, locks: DocumentLocks, seats: SeatMoves, *,
                 take_up: Callable[[str], Awaitable[Any]], taken_up: Callable[[str], bool]) -> None:
        self._store = store
        self._locks = locks
        self._seats = seats
        self._take_up = take_up  # queues the cohort's taking up with its writer, and waits for it
        self._taken_up = taken_up  # whether the writer holds the cohort (reconciled) now
        self._retries: dict[str, asyncio.Task[None]] = {}

    async def reconcile(self, changes: CohortBatch, applications: list[dict[str, Any]]) -> None:
        """Bring the seating level with the applications' intent (see the module docstring)."""
        seating = changes.seating
        for application in applications:
            announce = application.get("announce")
            # A transferred application may still carry what it announced at the cohort it left.
            if (announce and announce.get("cohort_id", changes.cohort["_id"]) == changes.cohort["_id"]
                    and announce["version"] > changes.version):
                log.info("cohort %s: publishing what application %s announced for a cohort write that never happened",
                         changes.cohort["_id"], application["_id"])
                changes.events.extend(announced_events(application))
                # Written past every version announced (a pipelined batch may have announced two
                # ahead), so that these events count as published from now on.
                changes.new_version = max(changes.new_version, announce["version"])
        await self._release_moved_away(changes, {a["_id"] for a in applications})
        for application in applications:  # deadlines of a submission whose cohort write did not happen
            if (application["status"] == S.AWAITING_MANAGER_APPROVAL.value and application.get("approval_expires_at")
                    and application["_id"] not in changes.approval_deadlines):
                changes.approval_deadlines[application["_id"]] = application["approval_expires_at"]
                changes.changed = True
        for application in applications:
            placement, _ = seating.where(application["_id"])
            if application["status"] == S.WITHDRAWN.value and placement is not None:
                log.info("cohort %s: releasing the place of withdrawn application %s",
                         changes.cohort["_id"], application["_id"])
                await self._seats.release(changes, application)
        unplaced = [a for a in applications  # in submission order
                    if a["status"] == S.APPROVED.value and seating.where(a["_id"])[0] is None]
        for application in unplaced:
            team_id = application.get("team_id")
            if team_id and team_id in seating.teams:
                continue  # placed with its team below, or the team already holds its place
            if team_id:  # a team approved but not yet placed: placed as one, as its approval would have
                members = [a for a in unplaced if a.get("team_id") == team_id]
                log.info("cohort %s: placing approved team %s", changes.cohort["_id"], team_id)
                entries = self._seats.place_team(changes, members, reason=PLACED_AGAIN)
            else:
                log.info("cohort %s: placing approved application %s", changes.cohort["_id"], application["_id"])
                members, entries = [application], [self._seats.place(changes, application, reason=PLACED_AGAIN)]
            for member, entry in zip(members, entries, strict=True):
                async with self._locks.hold("applications", member["_id"]):
                    await self._store.append_history(member["_id"], [entry])

    async def _release_moved_away(self, changes: CohortBatch, own: set[str]) -> None:
        """Places held by applications a transfer moved to another cohort before this cohort's write happened."""
        seating = changes.seating
        strays = [i for i in [*seating.enrolled, *seating.offers, *seating.waitlist] if i not in own]
        if not strays:
            return
        for application_id, application in (await self._store.applications_by_id(strays)).items():
            stored = await self._store.application(application_id)
            announce = (stored or {}).get("announce") or {}
            log.info("cohort %s: releasing the place of application %s, moved to cohort %s",
                     changes.cohort["_id"], application_id, application["cohort_id"])
            if announce.get("cohort_id") == changes.cohort["_id"] and announce["version"] > changes.version:
                changes.events.extend(announced_events(stored))  # type: ignore[arg-type]
                changes.new_version = max(changes.new_version, announce["version"])
            await self._seats.release(changes, application | {"cohort_id": changes.cohort["_id"]},
                                      reason="a seat was freed by a transfer to another cohort")

    def keep_reconciling(self, cohort_id: str) -> None:
        """Take the cohort up again in the background until it is (one retrying task per cohort)."""
        if cohort_id not in self._retries:
            self._retries[cohort_id] = asyncio.create_task(self._reconcile_until_taken_up(cohort_id))

    async def close(self) -> None:
        """Stop retrying."""
        retries = list(self._retries.values())
        for task in retries:
            task.cancel()
        await asyncio.gather(*retries, return_exceptions=True)

    async def _reconcile_until_taken_up(self, cohort_id: str) -> None:
        async def take_up() -> None:
            # Checked again after each taking up: another failed batch may have dropped it meanwhile.
            while not self._taken_up(cohort_id):
                try:
                    await self._take_up(cohort_id)
                except NotFound:
                    return  # the cohort is gone: nothing to reconcile
                if not self._taken_up(cohort_id):  # dropped again meanwhile: not at once either
                    await asyncio.sleep(FIRST_TRY_AFTER)

        try:
            await asyncio.sleep(FIRST_TRY_AFTER)
            await retry_until_done(take_up, what=f"reconciling cohort {cohort_id}", log=log,
                                   first=FIRST_TRY_AFTER, ceiling=RETRY_CEILING)
        finally:
            self._retries.pop(cohort_id, None)
