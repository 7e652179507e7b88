"""One collection of versioned documents that carry their own outbox (unit series, staff input, plans, competences).

Like measures, each change and the events it causes are one single-document write (FerretDB
v1 has no transactions); callers hold the document's lock (DocumentLocks) around the
read-modify-write, and `WriteGuard` adds the version check where the database can afford it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.messaging.outbox import OUTBOX_FIELD, mark_pending, merge_updates, new_document_outbox, staged
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_measures.adapters.ports import PlanReach
from samla_measures.domain.errors import Conflict


class VersionedDocuments:
    def __init__(self, db: AsyncDatabase, collection: str, source: str) -> None:
        self.name = collection
        self.collection = db[collection]
        self.source = source
        self._guard = WriteGuard(db)

    async def get(self, doc_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 0})

    async def many(self, doc_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The documents among `doc_ids` that exist, by id (an `_id` lookup, index-backed)."""
        wanted = sorted(set(doc_ids))
        if not wanted:
            return {}
        return {d["_id"]: d async for d in self.collection.find({"_id": {"$in": wanted}}, {OUTBOX_FIELD: 0})}

    async def add(self, doc: dict[str, Any], *events: IntegrationEvent) -> None:
        now = datetime.now(UTC)
        document = {"version": 0, "created_at": now, "updated_at": now, **doc} | new_document_outbox(
            *events, source=self.source)
        try:
            await self.collection.insert_one(document)
        except DuplicateKeyError as exc:
            raise Conflict(f"{self.name} {doc['_id']} already exists") from exc
        await mark_pending(self.collection, doc["_id"], document)

    async def save(self, doc: dict[str, Any], *, changes: dict[str, Any], push: dict[str, Any] | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None:
        """Write a change read under the document's lock, with its events; Conflict if it changed meanwhile."""
        events = tuple(events)
        update = merge_updates(
            {"$set": {**changes, "updated_at": datetime.now(UTC)}, "$inc": {"version": 1}},
            {"$push": push} if push else {},
            staged(*events, source=self.source) if events else {},
        )
        guarded = await self._guard.filter(doc["_id"], {"version": doc["version"]})
        result = await self.collection.update_one(guarded, update)
        if result.modified_count != 1:
            raise Conflict(f"{self.name} {doc['_id']} was changed at the same time; reload it and try again")
        await mark_pending(self.collection, doc["_id"], update)

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[dict[str, Any]]:
        """The documents where any of `fields` (a list, or a dotted path into a list) holds the person."""
        filters = ({fields[0]: person_id} if len(fields) == 1
                   else {"$or": [{field: person_id} for field in fields]})
        return await self._find(filters, 0, limit)

    async def _find(self, filters: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self.collection.find(filters, {OUTBOX_FIELD: 0}).sort([("created_at", 1), ("_id", 1)])
        return [d async for d in cursor.skip(offset).limit(limit)]


class PlanStore(VersionedDocuments):
    """Progress plans: the lists the API and the milestone watch read."""

    async def listed(self, *, organisation_id: str | None, reach: PlanReach | None, offset: int,
                     limit: int) -> list[dict[str, Any]]:
        filters: dict[str, Any] = {"organisation_id": organisation_id} if organisation_id else {}
        if reach is not None:
            scope = []
            if reach.network_ids is not None:
                scope.append({"network_id": {"$in": reach.network_ids}})
            if reach.organisation_ids is not None:
                scope.append({"organisation_id": {"$in": reach.organisation_ids}})
            filters = {"$and": [filters, {"$or": scope}]} if scope else {"_id": None}
        return await self._find(filters, offset, limit)

    async def watched_before(self, today: str, limit: int) -> list[dict[str, Any]]:
        return await self._find({"watch_from": {"$lt": today}}, 0, limit)
