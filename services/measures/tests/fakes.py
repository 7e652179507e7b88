"""In-memory stores implementing `samla_measures.adapters.ports`, for use-case tests without the stack.

They behave like the Mongo stores where the use cases rely on it: a taken id is a Conflict, a
save checks the version read (and bumps it), changes may name a nested field with a dotted path,
`push` appends, and the events a write stages are kept per document (`staged`), as the outbox would.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_measures.adapters.ports import Document, MeasureQuery, PlanReach
from samla_measures.domain.competences import CompetenceFrame, CompetenceHolder, ConferredCompetences
from samla_measures.domain.errors import Conflict
from samla_measures.adapters.competence_store import CONFERRED_RECORDS, FRAME_RECORDS, HOLDER_RECORDS
from samla_measures.adapters.documents import PLAN_RECORDS, RecordDocuments, plan_from_document
from samla_measures.adapters.series_store import SERIES_RECORDS
from samla_measures.adapters.unit_input_store import STAFF_INPUT_RECORDS
from samla_measures.adapters.repository import measure_document, measure_from_document
from samla_measures.domain.measure import ACTIVE_STATUSES, Measure
from samla_measures.domain.plans import Plan
from samla_measures.domain.series import Series
from samla_measures.domain.unit_input import StaffInput


def _set(doc: Document, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        doc = doc.setdefault(key, {})
    doc[last] = value


def _values(doc: Document, path: str) -> list[Any]:
    """What a Mongo equality on `path` compares with: a list field's items, through lists of documents too."""
    found: list[Any] = [doc]
    for key in path.split("."):
        found = [v.get(key) for item in found
                 for v in (item if isinstance(item, list) else [item]) if isinstance(v, dict)]
    return [x for v in found for x in (v if isinstance(v, list) else [v])]


def _matches(value: Any, wanted: str | list[str] | None) -> bool:
    if wanted is None or (not wanted and not isinstance(wanted, list)):
        return True
    candidates = value if isinstance(value, list) else [value]
    return any(c in wanted for c in candidates) if isinstance(wanted, list) else wanted in candidates


class _Documents:
    """The shared behaviour: documents by id, versioned writes, staged events."""

    def __init__(self, name: str = "documents") -> None:
        self.name = name
        self.docs: dict[str, Document] = {}
        self.staged: dict[str, list[IntegrationEvent]] = {}
        self.commands = 0  # the database commands a use case would send (reads and writes alike)

    def _insert(self, doc: Document, events: Iterable[IntegrationEvent]) -> None:
        self.commands += 1
        if doc["_id"] in self.docs:
            raise Conflict(f"{self.name} {doc['_id']} already exists")
        self.docs[doc["_id"]] = copy.deepcopy(doc)
        self.staged.setdefault(doc["_id"], []).extend(events)

    def _update(self, doc: Document, changes: Document, push: Document | None,
                events: Iterable[IntegrationEvent]) -> bool:
        self.commands += 1
        stored = self.docs.get(doc["_id"])
        if stored is None or stored.get("version") != doc.get("version"):
            return False
        for path, value in {**changes, "updated_at": datetime.now(UTC)}.items():
            _set(stored, path, copy.deepcopy(value))
        for field, value in (push or {}).items():
            stored.setdefault(field, []).append(copy.deepcopy(value))
        stored["version"] = stored.get("version", 0) + 1
        self.staged.setdefault(doc["_id"], []).extend(events)
        return True

    def _get(self, doc_id: str) -> Document | None:
        self.commands += 1
        found = self.docs.get(doc_id)
        return copy.deepcopy(found) if found is not None else None

    def _ordered(self) -> list[Document]:
        return sorted(self.docs.values(), key=lambda d: (d.get("created_at") or datetime.min.replace(tzinfo=UTC),
                                                        d["_id"]))


class FakeMeasureStore(_Documents):
    """Keeps documents, as the database does, and maps them to and from records with the store's own mapping."""

    def __init__(self, source: str = "/samla/test/measures") -> None:
        super().__init__("measure")
        self.source = source

    async def add(self, measure: Measure, *events: IntegrationEvent) -> None:
        try:
            self._insert(measure_document(measure), events)
        except Conflict as exc:
            raise Conflict("a measure with this id already exists") from exc

    async def get(self, measure_id: str, fields: Iterable[str] | None = None) -> Measure | None:
        measure = self._get(measure_id)
        if measure is None:
            return None
        if fields is not None:  # a projection: the named fields, and always the id
            wanted = {"_id", *fields}
            measure = {k: v for k, v in measure.items() if k in wanted}
        return measure_from_document(measure)

    async def find(self, query: MeasureQuery, offset: int, limit: int) -> list[Measure]:
        active = {s.value for s in ACTIVE_STATUSES}
        found = []
        for m in self._ordered():
            if not (_matches(m["network_id"], query.network_id) and _matches(m["organisation_id"],
                                                                             query.organisation_id)
                    and _matches(m["unit_ids"], query.unit_id) and _matches(m.get("area"), query.area)
                    and _matches(m["status"], query.status)):
                continue
            if query.overdue is not None:
                late = (m["status"] in active and m.get("next_follow_up_due") is not None
                        and m["next_follow_up_due"] < (query.today or ""))
                if late is not query.overdue:
                    continue
            found.append(measure_from_document({k: copy.deepcopy(v) for k, v in m.items() if k != "follow_ups"}))
        return found[offset:offset + limit]

    async def for_unit(self, unit_id: str, network_id: str | None, limit: int) -> list[Measure]:
        return [measure_from_document(copy.deepcopy(m)) for m in self._ordered()
                if unit_id in m["unit_ids"] and network_id in (None, m["network_id"])][:limit]

    async def overdue_candidates(self, today: str, limit: int) -> list[str]:
        active = {s.value for s in ACTIVE_STATUSES}
        return [m["_id"] for m in self.docs.values()
                if not m.get("overdue_announced") and m["status"] in active
                and m.get("next_follow_up_due") and m["next_follow_up_due"] < today][:limit]

    async def save(self, measure: Measure, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> bool:
        return self._update({"_id": measure.id, "version": measure.version}, changes, push, events)


class FakeToolboxStore(_Documents):
    def __init__(self) -> None:
        super().__init__("method")

    async def seed(self, methods: Iterable[Document]) -> int:
        new = [m for m in methods if m["_id"] not in self.docs]
        for method in new:
            self._insert(method, ())
        return len(new)

    async def add(self, method: Document) -> None:
        self._insert(method, ())

    async def names(self, method_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        return {i: self.docs[i].get("name") or {} for i in method_ids if i in self.docs}

    async def get(self, method_id: str) -> Document | None:
        return self._get(method_id)

    async def find(self, *, network_id: str | None, area: str | None, cost_level: str | None,
                   offset: int, limit: int) -> list[Document]:
        found = [m for m in self._ordered() if m.get("network_id") in (None, network_id)
                 and (area is None or area in m.get("areas", [])) and cost_level in (None, m.get("cost_level"))]
        return found[offset:offset + limit]


class FakeDocuments(_Documents):
    """Versioned documents with their own outbox (VersionedDocuments)."""

    async def get(self, doc_id: str) -> Document | None:
        return self._get(doc_id)

    async def many(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self.docs[i]) for i in sorted(set(doc_ids)) if i in self.docs}

    async def add(self, doc: Document, *events: IntegrationEvent) -> None:
        now = datetime.now(UTC)
        self._insert({"version": 0, "created_at": now, "updated_at": now, **doc}, events)

    async def save(self, doc: Document, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None:
        if not self._update(doc, changes, push, events):
            raise Conflict(f"{self.name} {doc['_id']} was changed at the same time; reload it and try again")

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[Document]:
        return [copy.deepcopy(d) for d in self._ordered()
                if any(person_id in _values(d, field) for field in fields)][:limit]


class FakePlanStore(RecordDocuments[Plan]):
    """Plans on in-memory documents, with the store's own mapping; the lists it answers by looking."""

    def __init__(self, name: str = "plans") -> None:
        self._fake = FakeDocuments(name)
        super().__init__(self._fake, PLAN_RECORDS)

    async def listed(self, *, organisation_id: str | None, reach: PlanReach | None, offset: int,
                     limit: int) -> list[Plan]:
        def reached(plan: Document) -> bool:
            return reach is None or (plan["network_id"] in (reach.network_ids or [])
                                     or plan["organisation_id"] in (reach.organisation_ids or []))
        found = [plan_from_document(copy.deepcopy(p)) for p in self._fake._ordered()
                 if organisation_id in (None, p["organisation_id"]) and reached(p)]
        return found[offset:offset + limit]

    async def watched_before(self, today: str, limit: int) -> list[str]:
        return [p["_id"] for p in self._fake._ordered()
                if p.get("watch_from") and p["watch_from"] < today][:limit]


def fake_series_store(name: str = "unit_series") -> RecordDocuments[Series]:
    return RecordDocuments(FakeDocuments(name), SERIES_RECORDS)


def fake_staff_input_store(name: str = "unit_input") -> RecordDocuments[StaffInput]:
    return RecordDocuments(FakeDocuments(name), STAFF_INPUT_RECORDS)


def fake_competence_stores() -> tuple[RecordDocuments[CompetenceFrame], RecordDocuments[ConferredCompetences],
                                      RecordDocuments[CompetenceHolder]]:
    """The frames, programmes' conferred competences and people, with the stores' own mappings."""
    return (RecordDocuments(FakeDocuments("competence_frames"), FRAME_RECORDS),
            RecordDocuments(FakeDocuments("programme_competences"), CONFERRED_RECORDS),
            RecordDocuments(FakeDocuments("person_competences"), HOLDER_RECORDS))


class FakeLease:
    async def hold(self) -> int:
        return 1

    async def release(self) -> None:
        return None


class FakeTrendStore:
    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}

    async def unit_version(self, trend_id: str, unit_id: str) -> int:
        return self.docs.get(trend_id, {}).get("units", {}).get(unit_id, {}).get("version", 0)

    async def put_unit(self, trend_id: str, unit_id: str, *, version: int, organisation_id: str,
                       readings: dict[str, float], network_id: str, kind: str) -> None:
        doc = self.docs.setdefault(trend_id, {"_id": trend_id, "units": {}})
        doc["units"][unit_id] = {"version": version, "organisation_id": organisation_id, "readings": dict(readings)}
        doc.update(network_id=network_id, kind=kind, updated_at=datetime.now(UTC))

    async def many(self, trend_ids: list[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self.docs[i]) for i in trend_ids if i in self.docs}

    def lease(self, trend_id: str) -> FakeLease:
        return FakeLease()


class FakeInputLinks:
    def __init__(self) -> None:
        self.links: dict[str, str] = {}

    async def add(self, link_hash: str, unit_id: str, created_at: datetime) -> None:
        if link_hash in self.links:
            raise Conflict("this link exists")
        self.links[link_hash] = unit_id

    async def unit_of(self, link_hash: str) -> str | None:
        return self.links.get(link_hash)

    async def remove(self, link_hash: str) -> None:
        self.links.pop(link_hash, None)


async def collect(items: AsyncIterator[Document]) -> list[Document]:
    return [item async for item in items]
