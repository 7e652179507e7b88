"""One collection of versioned documents that carry their own outbox (unit series, staff input, plans, competences).

Like measures, each change and the events it causes are one single-document write (FerretDB
v1 has no transactions); callers hold the document's lock (DocumentLocks) around the
read-modify-write, and `WriteGuard` adds the version check where the database can afford it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.measures import SeriesKind
from samla_shared.messaging.outbox import OUTBOX_FIELD, mark_pending, merge_updates, new_document_outbox, staged
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_measures.adapters.ports import Document, PlanReach
from samla_measures.domain.errors import Conflict
from samla_measures.domain.plans import Plan


class Record(Protocol):
    """What a record kept as a versioned document has: its id and the version read."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Record)


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
        return await self.find_matching(filters, 0, limit)

    async def find_matching(self, filters: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        """The documents matching a Mongo filter, in creation order (for the stores in this folder)."""
        cursor = self.collection.find(filters, {OUTBOX_FIELD: 0}).sort([("created_at", 1), ("_id", 1)])
        return [d async for d in cursor.skip(offset).limit(limit)]


# -- a plan's document <-> the Plan record ---------------------------------------------------------

PLAN_FIELDS = tuple(f.name for f in fields(Plan) if f.name != "id")
# Set by VersionedDocuments.add when the plan is first stored.
STAMPED_AT_ADD = ("version", "created_at", "updated_at")


def plan_from_document(doc: dict[str, Any]) -> Plan:
    values = {name: doc[name] for name in PLAN_FIELDS if name in doc}
    return Plan(id=doc["_id"], **values | {"kind": SeriesKind(doc["kind"]),
                                            "target_date": date.fromisoformat(doc["target_date"])})


def plan_document(plan: Plan) -> dict[str, Any]:
    """The document a new plan is stored as (the version and times are added by the store)."""
    doc: dict[str, Any] = {"_id": plan.id}
    for name in PLAN_FIELDS:
        if name not in STAMPED_AT_ADD:
            doc[name] = getattr(plan, name)
    return doc | {"kind": plan.kind.value, "target_date": plan.target_date.isoformat()}


class Documents(Protocol):
    """Versioned documents with their own outbox: `VersionedDocuments`, or an in-memory stand-in in tests."""

    name: str

    async def get(self, doc_id: str) -> Document | None: ...

    async def many(self, doc_ids: Iterable[str]) -> dict[str, Document]: ...

    async def add(self, doc: Document, *events: IntegrationEvent) -> None: ...

    async def save(self, doc: Document, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None: ...

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[Document]: ...


@dataclass(frozen=True)
class RecordMapping(Generic[R]):
    """How one kind of record is stored: a document to its record, a new record to its document, and a
    change (stored field names) with the records among its values as their documents."""

    from_document: Callable[[Document], R]
    to_document: Callable[[R], Document]
    stored_changes: Callable[[Document], Document] = dict


def stored_entries(to_document: Mapping[type, Callable[[Any], Document]]) -> Callable[[Document], Document]:
    """A change's values as stored: each record among them (alone, in a list or in a map) as its document,
    by its type (a unit's items, a person's completions)."""

    def stored(value: Any) -> Any:
        mapped = to_document.get(type(value))
        if mapped is not None:
            return mapped(value)
        if isinstance(value, list):
            return [stored(v) for v in value]
        if isinstance(value, dict):
            return {k: stored(v) for k, v in value.items()}
        return value

    return lambda changes: {name: stored(value) for name, value in changes.items()}


class RecordDocuments(Generic[R]):
    """Records kept as versioned documents, mapped both ways by their `RecordMapping`, so `_id` and the stored
    shape stay in the adapters. The documents are `VersionedDocuments` in the service, and an in-memory stand-in
    in the use-case tests, so both run this same mapping."""

    def __init__(self, documents: Documents, mapping: RecordMapping[R]) -> None:
        self.name = documents.name
        self.documents = documents
        self._mapping = mapping

    async def get(self, record_id: str) -> R | None:
        doc = await self.documents.get(record_id)
        return self._mapping.from_document(doc) if doc is not None else None

    async def stored(self, record_id: str) -> Document | None:
        """The record's document as stored (an access request shows it as kept)."""
        return await self.documents.get(record_id)

    async def many(self, record_ids: Iterable[str]) -> dict[str, R]:
        """The records among `record_ids` that exist, by id."""
        return {doc_id: self._mapping.from_document(doc)
                for doc_id, doc in (await self.documents.many(record_ids)).items()}

    async def add(self, record: R, *events: IntegrationEvent) -> None:
        await self.documents.add(self._mapping.to_document(record), *events)

    async def save(self, record: R, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None:
        stored = self._mapping.stored_changes
        await self.documents.save({"_id": record.id, "version": record.version}, changes=stored(changes),
                                  push=stored(push) if push else None, events=events)

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[Document]:
        """The stored documents naming the person, as stored (an access request shows them as kept)."""
        return await self.documents.naming(person_id, fields, limit)

    async def ids_naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                         limit: int = 100_000) -> list[str]:
        return [doc["_id"] for doc in await self.documents.naming(person_id, fields, limit)]


def versioned_records(db: AsyncDatabase, collection: str, source: str,
                      mapping: RecordMapping[R]) -> RecordDocuments[R]:
    """A collection of records, each one versioned document with its own outbox."""
    return RecordDocuments(VersionedDocuments(db, collection, source), mapping)


PLAN_RECORDS = RecordMapping(from_document=plan_from_document, to_document=plan_document)


class PlanStore(RecordDocuments[Plan]):
    """Progress plans, handed out as `Plan` records: the lists the API and the milestone watch read."""

    def __init__(self, db: AsyncDatabase, collection: str, source: str) -> None:
        self._versioned = VersionedDocuments(db, collection, source)
        super().__init__(self._versioned, PLAN_RECORDS)

    async def listed(self, *, organisation_id: str | None, reach: PlanReach | None, offset: int,
                     limit: int) -> list[Plan]:
        filters: dict[str, Any] = {"organisation_id": organisation_id} if organisation_id else {}
        if reach is not None:
            scope = []
            if reach.network_ids is not None:
                scope.append({"network_id": {"$in": reach.network_ids}})
            if reach.organisation_ids is not None:
                scope.append({"organisation_id": {"$in": reach.organisation_ids}})
            filters = {"$and": [filters, {"$or": scope}]} if scope else {"_id": None}
        return [plan_from_document(doc) for doc in await self._versioned.find_matching(filters, offset, limit)]

    async def watched_before(self, today: str, limit: int) -> list[str]:
        return [doc["_id"] for doc in await self._versioned.find_matching({"watch_from": {"$lt": today}}, 0, limit)]
