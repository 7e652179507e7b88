"""Keeps the network-insight counters up to date from events, exactly once per event.

It consumes this service's own measure events, enrollment's seat events and sessions'
completions; it never reads another service's database. A redelivered event is
recognised on its contributor (the applied event ids are written together with the
effect), and a counter change interrupted half-way is finished by the next delivery or by
the periodic sweep; see InsightStore for the steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samla_shared.clock import Clock
from samla_shared.contract import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled, ParticipantWithdrawn
from samla_shared.contract.measures import EVENTS
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import CONTRIBUTORS, NETWORKS, InsightRepository, counters_of
from samla_measures.domain.insight import (
    Counters,
    View,
    difference,
    facilitator_contribution,
    facilitator_contributor,
    facilitator_view_after,
    measure_contribution,
    measure_contributor,
    measure_view_after,
    network_insight,
)

# The events about one measure (the topic also carries unit series, plans and competences, keyed otherwise).
MEASURE_EVENTS = tuple(event for event in EVENTS if "measure_id" in event.model_fields)
FACILITATOR_EVENTS = (ParticipantEnrolled, ParticipantWithdrawn, ParticipantCompleted, CompletionRevoked)


class InsightProjection:
    def __init__(self, store: InsightRepository, locks: DocumentLocks, clock: Clock) -> None:
        self.store = store
        self._locks = locks
        self._clock = clock

    async def handle(self, event: CloudEvent) -> None:
        """Apply one event: record its effect on the contributor, then carry the change to the network.

        Both steps run under one hold of the contributor's lock, so the pending changes the
        record step leaves are known without reading the contributor again.
        """
        contributor_id = _contributor_of(event)[0]
        async with self._locks.hold(CONTRIBUTORS, contributor_id):
            pending = await self._record(contributor_id, event)
            await self._flush(contributor_id, pending)

    async def record(self, event: CloudEvent) -> None:
        """The first step alone: the contributor's new view and its pending counter change, in one write."""
        contributor_id = _contributor_of(event)[0]
        async with self._locks.hold(CONTRIBUTORS, contributor_id):
            await self._record(contributor_id, event)

    async def flush(self, contributor_id: str) -> None:
        """The second step alone: carry whatever the contributor still has pending to its network."""
        async with self._locks.hold(CONTRIBUTORS, contributor_id):
            contributor = await self.store.contributor(contributor_id)
            await self._flush(contributor_id, (contributor or {}).get("pending") or {})

    async def _record(self, contributor_id: str, event: CloudEvent) -> dict[str, Any]:
        """Returns the contributor's pending changes after the write (the caller holds its lock)."""
        _, view_after, contribution_of = _contributor_of(event)
        for _ in range(3):
            previous = await self.store.contributor(contributor_id)
            pending = dict((previous or {}).get("pending") or {})
            if previous is not None and event.id in previous.get("applied_events", []):
                return pending  # a redelivery: only what is still pending is left to do
            view = view_after(previous["view"] if previous else None, event.data)
            if view is None:
                return pending  # the event does not change what this projection counts
            contribution = contribution_of(view)
            delta = difference(counters_of(previous["contribution"]) if previous else {}, contribution)
            entry = await self.store.record(contributor_id, previous=previous, event_id=event.id,
                                            network_id=event.data.network_id, view=view, contribution=contribution,
                                            delta=delta, now=self._clock())
            if entry is not None:
                return pending | entry
        raise RuntimeError(f"contributor {contributor_id} kept changing while {event.type} {event.id} was applied")

    async def _flush(self, contributor_id: str, pending: dict[str, Any]) -> None:
        """Carry pending changes to the network, oldest first (the caller holds the contributor's lock)."""
        for version in sorted(pending, key=int):
            entry = pending[version]
            network_id = entry["network_id"]
            async with self._locks.hold(NETWORKS, network_id):
                await self.store.carry_to_network(network_id, contributor_id, int(version),
                                                  counters_of(entry["delta"]), self._clock())
            await self.store.forget_pending(contributor_id, int(version))
            async with self._locks.hold(NETWORKS, network_id):
                await self.store.clear_marker(network_id, contributor_id, int(version))

    async def flush_stragglers(self, limit: int = 500) -> int:
        """Finish counter changes a failed delivery left behind (e.g. one that went to the dead-letter topic)."""
        contributors = await self.store.with_pending(limit)
        for contributor_id in contributors:
            await self.flush(contributor_id)
        return len(contributors)

    async def insight(self, network_id: str) -> dict[str, Any]:
        counters = await self.store.network(network_id) or {}
        return network_insight(network_id, counters)

    def handlers(self) -> dict[str, dict[type, Callable[[CloudEvent], Any]]]:
        """Handlers per consumed topic, for `runtime.consume`."""
        return {
            MEASURES_TOPIC: {event_class: self.handle for event_class in MEASURE_EVENTS},
            ENROLLMENT_TOPIC: {ParticipantEnrolled: self.handle, ParticipantWithdrawn: self.handle},
            SESSIONS_TOPIC: {ParticipantCompleted: self.handle, CompletionRevoked: self.handle},
        }


ViewAfter = Callable[[View | None, Any], View | None]


def _contributor_of(event: CloudEvent) -> tuple[str, ViewAfter, Callable[[View], Counters]]:
    data: Any = event.data
    if isinstance(data, FACILITATOR_EVENTS):
        return (facilitator_contributor(data.network_id, data.programme_id, data.participant_id),
                facilitator_view_after, facilitator_contribution)
    return measure_contributor(data.measure_id), measure_view_after, measure_contribution
