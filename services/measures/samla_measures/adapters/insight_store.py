"""MongoDB persistence of the network-insight projection.

Two collections:

* `insight_contributors`: one small document per measure and per facilitator in a
  programme: its view, its current contribution to the counters, the ids of the events
  already applied, and the counter changes not yet carried to the network (`pending`).
* `insight_networks`: one document of counters per network; the insight read is a single
  `find_one` of it.

A counter change crosses two documents, and FerretDB v1 cannot write two documents
atomically, so it travels like an outbox entry: first it is recorded on the contributor
(in the same write as the view and the applied event id), then carried to the network
together with a marker `applied.<contributor>: <version>` (one write, so a retry after a
crash finds the marker and changes nothing), then removed from the contributor, and finally
the marker is cleared. Clearing it keeps the hot network document as small as the counters
it reports; a change removed from `pending` can never be carried again, so the marker is
not needed any longer. Rejected alternative: keeping every applied event id on the network
document, which grows with the network's whole history and slows every write and read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.messaging.idempotence import mark_applied, unless_applied
from samla_shared.messaging.outbox import merge_updates
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_measures.adapters.ports import CONTRIBUTORS, NETWORKS, counters_of
from samla_measures.domain.insight import Counters, field_key


async def ensure_insight_indexes(db: AsyncDatabase) -> None:
    await db[CONTRIBUTORS].create_index([("pending_count", ASCENDING)])


def _pairs(counters: Mapping[str, float]) -> list[dict[str, Any]]:
    # Stored as {path, amount} entries: the paths contain dots and cannot be field names themselves
    # (and FerretDB v1 refuses nested arrays, so not as [path, amount] pairs either).
    return [{"path": path, "amount": amount} for path, amount in sorted(counters.items())]


class InsightStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.contributors = db[CONTRIBUTORS]
        self.networks = db[NETWORKS]
        # Contributors are many, so their writes go by bare `_id` on FerretDB (see WriteGuard);
        # networks are a handful of documents, where a condition in the filter costs nothing.
        self._guard = WriteGuard(db)

    async def contributor(self, contributor_id: str) -> dict[str, Any] | None:
        return await self.contributors.find_one({"_id": contributor_id})

    async def record(self, contributor_id: str, *, previous: dict[str, Any] | None, event_id: str, network_id: str,
                     view: dict[str, Any], contribution: Counters, delta: Counters,
                     now: datetime) -> dict[str, Any] | None:
        """Store the contributor's new view and contribution, the event id, and the pending counter change.

        Returns the pending entry it added ({} when the counters do not move), or None when the
        contributor changed since `previous` was read (the caller reads again).
        """
        version = (previous["version"] if previous else 0) + 1
        state = {"network_id": network_id, "view": view, "contribution": _pairs(contribution), "version": version,
                 "updated_at": now}
        pending = {str(version): {"network_id": network_id, "delta": _pairs(delta)}} if delta else {}
        if previous is None:
            try:
                await self.contributors.insert_one({"_id": contributor_id, **state, "pending": pending,
                                                    "pending_count": len(pending), "applied_events": [event_id]})
            except DuplicateKeyError:
                return None
            return pending
        update = merge_updates(
            {"$set": {**state, **{f"pending.{v}": entry for v, entry in pending.items()}}},
            {"$inc": {"pending_count": len(pending)}} if pending else {},
            mark_applied(event_id),
        )
        guarded = await self._guard.filter(contributor_id, {"version": previous["version"], **unless_applied(event_id)})
        result = await self.contributors.update_one(guarded, update)
        return pending if result.modified_count == 1 else None

    async def carry_to_network(self, network_id: str, contributor_id: str, version: int, delta: Counters,
                               now: datetime) -> None:
        """Add a pending change to the network's counters, unless this very change was added already."""
        marker = f"applied.{field_key(contributor_id)}"
        try:
            await self.networks.update_one(
                {"_id": network_id, marker: {"$ne": version}},
                {"$inc": dict(delta), "$set": {marker: version, "updated_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:
            # The network exists and carries the marker: the change is in the counters already.
            pass

    async def forget_pending(self, contributor_id: str, version: int) -> None:
        """Remove a carried change (the caller holds the contributor's lock and read it as pending)."""
        guarded = await self._guard.filter(contributor_id, {f"pending.{version}": {"$exists": True}})
        await self.contributors.update_one(guarded, {"$unset": {f"pending.{version}": ""},
                                                     "$inc": {"pending_count": -1}})

    async def clear_marker(self, network_id: str, contributor_id: str, version: int) -> None:
        marker = f"applied.{field_key(contributor_id)}"
        await self.networks.update_one({"_id": network_id, marker: version}, {"$unset": {marker: ""}})

    async def with_pending(self, limit: int) -> list[str]:
        cursor = self.contributors.find({"pending_count": {"$gt": 0}}, {"_id": 1}).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def network(self, network_id: str) -> dict[str, Any] | None:
        return await self.networks.find_one({"_id": network_id}, {"applied": 0})
