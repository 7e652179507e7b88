"""Use cases of issue 16 on an application: its page with the approval chain and who may decide the step waiting,
moving it to another cohort or deferring it, and a coordinator offering a freed seat to the head of a cohort's
queue. (The decision itself is `Enrollment.decide`, the same call with or without a chain.)"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.approvals import (MAY_DECIDE_AT_ALL, ApprovalChain, chain_of, holds_current_step,
                                           is_chain)
from samla_portal.domain.cohorts import next_cohort, transfer_targets
from samla_portal.domain.people import COORDINATOR_ROLES, SignedIn

MOVABLE = ("enrolled", "waitlisted")  # enrollment moves a participant with a seat or a place in the queue


@dataclass(frozen=True)
class ApplicationPage:
    application: dict[str, Any]
    cohort: dict[str, Any] | None  # None where the reader may not read the cohort (another network's approver)
    programme: dict[str, Any] | None
    chain: ApprovalChain | None  # None for the one leader approval
    decides: bool  # the reader holds the step waiting
    reason_required: bool  # every decision in a chain needs a reason
    moves: bool = False  # a coordinator may move it to another cohort or defer it
    targets: list[dict[str, Any]] = field(default_factory=list)  # cohorts it may move to
    deferred_to: dict[str, Any] | None = None  # where a deferral lands


class Applications:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def page(self, token: str, person: SignedIn, application_id: str) -> ApplicationPage:
        application = await self._api.get("enrollment", f"/applications/{application_id}", token)
        my_ids = await self._my_ids(token, person, application)
        cohort, programme = await self._cohort_and_programme(token, application)
        moves = person.is_a(COORDINATOR_ROLES) and application["status"] in MOVABLE and cohort is not None
        targets: list[dict[str, Any]] = []
        deferred_to = None
        if moves:
            assert cohort is not None
            siblings = await self._api.get("enrollment", "/cohorts", token, programme_id=cohort["programme_id"],
                                           limit=200)
            now = datetime.now(UTC)
            targets = [dict(c) for c in transfer_targets(cohort, siblings, now)]
            found = next_cohort(cohort, siblings, now)
            deferred_to = dict(found) if found else None
        return ApplicationPage(application, cohort, programme, chain_of(application, my_ids),
                               holds_current_step(person, my_ids, application), is_chain(application),
                               moves, targets, deferred_to)

    async def transfer(self, token: str, application_id: str, *, cohort_id: str | None,
                       reason: str | None) -> dict[str, Any]:
        """To `cohort_id`, or (None) deferred to the cohort whose applications open next; approvals kept."""
        body: dict[str, Any] = {"cohort_id": cohort_id} if cohort_id else {"defer": True}
        return await self._api.post("enrollment", f"/applications/{application_id}/transfer", token,
                                    body | {"reason": reason or None})

    async def offer_seat(self, token: str, cohort_id: str) -> dict[str, Any]:
        """After the start: one free seat offered to the head of the queue, recorded as the coordinator's."""
        return await self._api.post("enrollment", f"/cohorts/{cohort_id}/seat-offers", token, {})

    async def _my_ids(self, token: str, person: SignedIn, application: dict[str, Any]) -> list[str]:
        """The reader's person ids in enrollment: their own and the records a form registered for their address
        before they signed in (the named manager may be one). Asked only where a chain's step may be theirs."""
        own = [person.person_id or person.subject]
        if (application["status"] != "awaiting_manager_approval" or not application.get("approval_steps")
                or not person.is_a(MAY_DECIDE_AT_ALL)):
            return own
        me = await self._api.get("enrollment", "/people/me", token)
        return [me["person_id"], *me.get("linked_person_ids", [])]

    async def _cohort_and_programme(self, token: str, application: dict[str, Any]
                                    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The catalogue's cohort and programme, where the reader may read them: a coordinator of another
        network who approves a step reads the application, not that network's catalogue."""
        async def read(path: str) -> dict[str, Any] | None:
            try:
                return await self._api.get("enrollment", path, token)
            except ApiRefused as refused:
                if refused.status not in (403, 404):
                    raise
                return None

        cohort, programme = await asyncio.gather(read(f"/cohorts/{application['cohort_id']}"),
                                                 read(f"/programmes/{application['programme_id']}"))
        return cohort, programme
