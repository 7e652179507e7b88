"""MongoDB persistence of the toolbox and of measures.

A measure is one document holding its indicators, follow-ups and pending events, so that
every change and the events it causes are a single-document write (FerretDB v1 has no
multi-document transactions). Follow-ups are few per measure (one every few weeks), so
embedding them keeps that property without the document growing large.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.measures import MeasureArea
from samla_shared.messaging.outbox import OUTBOX_FIELD, mark_pending, merge_updates, new_document_outbox, staged
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_measures.domain.errors import Conflict
from samla_measures.adapters.ports import MEASURES, MeasureQuery
from samla_measures.domain.measure import ACTIVE_STATUSES, Measure, MeasureStatus

# Unit series, unit input (staff items, dialogue results), plans and people's competences stage events too.
OUTBOX_COLLECTIONS = ("measures", "unit_series", "plans", "person_competences")
TOOLBOX = "toolbox"

# Lists leave out what only the single-measure view needs.
LIST_PROJECTION = {OUTBOX_FIELD: 0, "follow_ups": 0}


# -- a measure's document <-> the Measure record -------------------------------------------------

# The record's fields besides its id, in the order a new measure's document has always had them.
MEASURE_FIELDS = tuple(f.name for f in fields(Measure) if f.name != "id")
# Dates are stored as ISO text, so that they sort as dates and compare with `today` in a filter.
DAY_FIELDS = ("start_date", "adopted_on", "next_follow_up_due")
# Written only once they hold something: a measure made from an item has a source, an adopted one an adopter.
WRITTEN_WHEN_SET = ("source_item_id", "adopted_by")


def measure_from_document(doc: dict[str, Any]) -> Measure:
    """The record of a stored measure (or of the fields of it that were read)."""
    values = {name: doc[name] for name in MEASURE_FIELDS if name in doc}
    for name in DAY_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    if "status" in values:
        values["status"] = MeasureStatus(values["status"])
    if values.get("area"):
        values["area"] = MeasureArea(values["area"])
    return Measure(id=doc["_id"], **values)


def measure_document(measure: Measure) -> dict[str, Any]:
    """The document a new measure is stored as (without its outbox)."""
    doc: dict[str, Any] = {"_id": measure.id}
    for name in MEASURE_FIELDS:
        value = getattr(measure, name)
        if value is None and name in WRITTEN_WHEN_SET:
            continue
        if name in DAY_FIELDS and value is not None:
            value = value.isoformat()
        elif name in ("status", "area") and value is not None:
            value = value.value
        doc[name] = value
    return doc


def measure_projection(names: Iterable[str] | None) -> dict[str, int]:
    """The Mongo projection reading only the record fields `names` (the id is always read)."""
    if names is None:
        return {OUTBOX_FIELD: 0}
    return {("_id" if name == "id" else name): 1 for name in names}


async def ensure_measure_indexes(db: AsyncDatabase) -> None:
    await db.measures.create_index([("outbox_pending", ASCENDING)])
    await db.measures.create_index([("network_id", ASCENDING), ("created_at", ASCENDING)])
    await db.measures.create_index([("organisation_id", ASCENDING)])
    await db.measures.create_index([("unit_ids", ASCENDING)])
    # The overdue scan asks for active measures whose due date passed and were not announced.
    await db.measures.create_index([("overdue_announced", ASCENDING), ("next_follow_up_due", ASCENDING)])
    await db.toolbox.create_index([("network_id", ASCENDING)])
    for collection in OUTBOX_COLLECTIONS[1:]:
        await db[collection].create_index([("outbox_pending", ASCENDING)])


def measure_filter(query: MeasureQuery) -> dict[str, Any]:
    """The Mongo filter answering `query` (for the API's lists, the inboxes and the exports alike)."""
    filters: dict[str, Any] = {
        field: ({"$in": value} if isinstance(value, list) else value) for field, value in (
            ("network_id", query.network_id), ("organisation_id", query.organisation_id),
            ("unit_ids", query.unit_id), ("area", query.area), ("status", query.status))
        if value or isinstance(value, list)}
    if query.overdue is not None:
        active = [s.value for s in ACTIVE_STATUSES]
        if query.overdue:
            filters = {"$and": [filters, {"status": {"$in": active}}, {"next_follow_up_due": {"$lt": query.today}}]}
        else:
            filters = {"$and": [filters, {"$or": [{"status": {"$nin": active}},
                                                   {"next_follow_up_due": {"$gte": query.today}}]}]}
    return filters


class ToolboxStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def seed(self, methods: Iterable[dict[str, Any]]) -> int:
        """Insert the catalogue's methods that are not there yet; returns how many were new.

        Fixed ids make this safe on every start and from several instances at once: the
        unique `_id` refuses a second copy atomically, so there is no read-then-insert race.
        """
        inserted = 0
        for method in methods:
            try:
                await self.db.toolbox.insert_one({**method, "created_at": datetime.now(UTC)})
                inserted += 1
            except DuplicateKeyError:
                continue
        return inserted

    async def add(self, method: dict[str, Any]) -> None:
        await self.db.toolbox.insert_one(method)

    async def names(self, method_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """Each method's name in every language it has, by id, in one `_id` read."""
        ids = sorted({i for i in method_ids if i})
        if not ids:
            return {}
        return {doc["_id"]: doc.get("name") or {} async for doc in self.db.toolbox.find({"_id": {"$in": ids}},
                                                                                       {"name": 1})}

    async def get(self, method_id: str) -> dict[str, Any] | None:
        return await self.db.toolbox.find_one({"_id": method_id})

    async def find(self, *, network_id: str | None, area: str | None, cost_level: str | None,
                   offset: int, limit: int) -> list[dict[str, Any]]:
        filters: dict[str, Any] = {"network_id": {"$in": [None, network_id]}} if network_id else {"network_id": None}
        if area:
            filters["areas"] = area
        if cost_level:
            filters["cost_level"] = cost_level
        cursor = self.db.toolbox.find(filters).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return [doc async for doc in cursor.skip(offset).limit(limit)]


class MeasureStore:
    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source
        self._guard = WriteGuard(db)

    async def add(self, measure: Measure, *events: IntegrationEvent) -> None:
        document = measure_document(measure) | new_document_outbox(*events, source=self.source)
        try:
            await self.db.measures.insert_one(document)
        except DuplicateKeyError as exc:
            raise Conflict("a measure with this id already exists") from exc
        await mark_pending(self.db.measures, document["_id"], document)

    async def get(self, measure_id: str, fields: Iterable[str] | None = None) -> Measure | None:
        """The measure, or only the record fields `fields` of it."""
        doc = await self.db.measures.find_one({"_id": measure_id}, measure_projection(fields))
        return measure_from_document(doc) if doc is not None else None

    async def find(self, query: MeasureQuery, offset: int, limit: int) -> list[Measure]:
        cursor = self.db.measures.find(measure_filter(query), LIST_PROJECTION).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return [measure_from_document(doc) async for doc in cursor.skip(offset).limit(limit)]

    async def for_unit(self, unit_id: str, network_id: str | None, limit: int) -> list[Measure]:
        filters: dict[str, Any] = {"unit_ids": unit_id} | ({"network_id": network_id} if network_id else {})
        cursor = self.db.measures.find(filters, {OUTBOX_FIELD: 0}).sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return [measure_from_document(doc) async for doc in cursor.limit(limit)]

    async def overdue_candidates(self, today: str, limit: int) -> list[str]:
        """Active measures whose due date (ISO text, so it sorts as a date) is before `today`, not yet announced."""
        cursor = self.db.measures.find(
            {"overdue_announced": False, "next_follow_up_due": {"$lt": today},
             "status": {"$in": [s.value for s in ACTIVE_STATUSES]}},
            {"_id": 1},
        ).limit(limit)
        return [doc["_id"] async for doc in cursor]

    async def save(self, measure: Measure, *, changes: dict[str, Any], push: dict[str, Any] | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> bool:
        """Write a change of `measure` and its events in one operation, if nobody changed it since it was read.

        Callers hold the measure's document lock (FerretDB v1 updates are read-modify-write)
        and read `measure` under it; on MongoDB the version check in the filter also guards
        against another instance (see WriteGuard for why FerretDB gets the bare `_id`).
        """
        events = tuple(events)
        update = merge_updates(
            {"$set": {**changes, "updated_at": datetime.now(UTC)}, "$inc": {"version": 1}},
            {"$push": push} if push else {},
            staged(*events, source=self.source) if events else {},
        )
        guarded = await self._guard.filter(measure.id, {"version": measure.version})
        result = await self.db.measures.update_one(guarded, update)
        if result.modified_count != 1:
            return False
        await mark_pending(self.db.measures, measure.id, update)
        return True
