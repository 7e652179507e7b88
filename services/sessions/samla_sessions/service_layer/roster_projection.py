"""Turns enrollment's events into the sessions service's own read models: roster, cohorts, programmes.

Roster changes are idempotent and order-proof per cohort: each carries the cohort's own
sequence number, and an entry only ever moves to a newer one (see domain/roster.py). A
redelivered or late event therefore changes nothing, whatever order the partition and
any replays bring.
"""

from __future__ import annotations

from typing import Any

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import (
    CohortOpened,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    ProgrammePublished,
    ProgrammeUpdated,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_sessions.adapters.ports import RosterRepository, roster_entry_id
from samla_sessions.domain.roster import RosterStatus


class RosterProjection:
    def __init__(self, store: RosterRepository, locks: DocumentLocks | None = None) -> None:
        self.store = store
        self._locks = locks or DocumentLocks()

    async def on_enrolled(self, event: CloudEvent) -> None:
        data: ParticipantEnrolled = event.data  # type: ignore[assignment]
        await self._apply(data.cohort_id, data.application_id, data.cohort_sequence, {
            "participant_id": data.participant_id, "organisation_id": data.organisation_id, "unit_id": data.unit_id,
            "network_id": data.network_id, "status": RosterStatus.ENROLLED.value, "via": data.via,
            "enrolled_at": event.time})

    async def on_withdrawn(self, event: CloudEvent) -> None:
        data: ParticipantWithdrawn = event.data  # type: ignore[assignment]
        if data.cohort_sequence is None:
            return  # withdrew before holding a seat: never on the roster
        await self._apply(data.cohort_id, data.application_id, data.cohort_sequence, {
            "participant_id": data.participant_id, "organisation_id": data.organisation_id, "unit_id": data.unit_id,
            "network_id": data.network_id, "status": RosterStatus.WITHDRAWN.value, "withdrawn_at": event.time})

    async def _apply(self, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> None:
        if await self.store.enter(cohort_id=cohort_id, application_id=application_id, sequence=sequence,
                                  fields=fields):
            return
        async with self._locks.hold("roster", roster_entry_id(cohort_id, application_id)):
            await self.store.advance(cohort_id=cohort_id, application_id=application_id, sequence=sequence,
                                     fields=fields)

    async def on_programme(self, event: CloudEvent) -> None:
        data: ProgrammePublished | ProgrammeUpdated = event.data  # type: ignore[assignment]
        await self.store.remember("programmes", data.programme_id, data.payload(), event.time)

    async def on_cohort_opened(self, event: CloudEvent) -> None:
        data: CohortOpened = event.data  # type: ignore[assignment]
        await self.store.remember("cohorts", data.cohort_id, data.payload(), event.time)

    def handlers(self) -> dict:
        return {
            ParticipantEnrolled: self.on_enrolled,
            ParticipantWithdrawn: self.on_withdrawn,
            ProgrammePublished: self.on_programme,
            ProgrammeUpdated: self.on_programme,
            CohortOpened: self.on_cohort_opened,
        }
