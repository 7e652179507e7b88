"""What the use cases need of storage, as Protocols; the Mongo stores in this folder implement them,
and `tests/fakes.py` implements them in memory for the use-case tests.

Queries are plain values (`MeasureQuery`, `PlanReach`): the Mongo syntax that answers them lives
only in the stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from samla_shared.contract.base import IntegrationEvent
from samla_measures.domain.competences import CompetenceFrame, CompetenceHolder, ConferredCompetences
from samla_measures.domain.insight import Counters
from samla_measures.domain.measure import Measure
from samla_measures.domain.plans import Plan
from samla_measures.domain.series import Series
from samla_measures.domain.unit_input import StaffInput

Document = dict[str, Any]
R = TypeVar("R")

# The collections whose documents the use cases lock (`DocumentLocks.hold(<collection>, <id>)`) while
# a store rewrites them: one name for the lock and the store, so both mean the same document.
MEASURES = "measures"
TRENDS = "network_trends"
CONTRIBUTORS = "insight_contributors"
NETWORKS = "insight_networks"


def directory_key(kind: Literal["network", "organisation", "unit"], entry_id: str) -> str:
    """What `DirectoryRepository.many` finds an entry by: `<kind>:<id>`."""
    return f"{kind}:{entry_id}"


def counters_of(pairs: list[Document] | None) -> Counters:
    """The counters an insight document keeps as `{path, amount}` pairs (a contribution, a pending delta):
    the paths contain dots, so they cannot be field names themselves."""
    return {pair["path"]: pair["amount"] for pair in pairs or []}


@dataclass(frozen=True)
class MeasureQuery:
    """Which measures: each of network, organisation, unit and status is one value or a list of values
    (a caller's scope; an empty list matches nothing); `overdue` compares the next due date with `today`."""

    network_id: str | list[str] | None = None
    organisation_id: str | list[str] | None = None
    unit_id: str | list[str] | None = None
    area: str | None = None
    status: str | list[str] | None = None
    overdue: bool | None = None
    today: str | None = None  # ISO date, needed with `overdue`


@dataclass(frozen=True)
class PlanReach:
    """The networks and organisations whose plans a restricted caller sees; neither named, nothing."""

    network_ids: list[str] | None = None
    organisation_ids: list[str] | None = None


class MeasureRepository(Protocol):
    """Measures, each stored as one document with its indicators, follow-ups and staged events, and
    handed out as `Measure` records (the document's shape stays in the store)."""

    source: str

    async def add(self, measure: Measure, *events: IntegrationEvent) -> None:
        """Conflict if the id is taken."""

    async def get(self, measure_id: str, fields: Iterable[str] | None = None) -> Measure | None:
        """`fields` names the record fields to read; the others keep their defaults."""

    async def find(self, query: MeasureQuery, offset: int, limit: int) -> list[Measure]:
        """In creation order, without the follow-ups."""

    async def for_unit(self, unit_id: str, network_id: str | None, limit: int) -> list[Measure]: ...

    async def overdue_candidates(self, today: str, limit: int) -> list[str]:
        """The ids of active measures due before `today` whose overdue follow-up was not announced."""

    async def save(self, measure: Measure, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> bool:
        """Write `changes` (stored field names, dotted paths allowed) and `push` (appended to list fields);
        False when the measure changed since `measure` was read (its version moved on)."""


class ToolboxRepository(Protocol):
    async def seed(self, methods: Iterable[Document]) -> int: ...

    async def add(self, method: Document) -> None: ...

    async def names(self, method_ids: Iterable[str]) -> dict[str, dict[str, str]]: ...

    async def get(self, method_id: str) -> Document | None: ...

    async def find(self, *, network_id: str | None, area: str | None, cost_level: str | None,
                   offset: int, limit: int) -> list[Document]:
        """The shared catalogue, plus the network's own methods when a network is named."""


class MeasureExportSource(Protocol):
    def measures(self, query: MeasureQuery) -> AsyncIterator[Measure]: ...


class PlanRepository(Protocol):
    """Progress plans, each one versioned document with its own outbox, handed out as `Plan` records."""

    name: str

    async def get(self, plan_id: str) -> Plan | None: ...

    async def add(self, plan: Plan, *events: IntegrationEvent) -> None:
        """Conflict if the id is taken."""

    async def save(self, plan: Plan, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None:
        """Conflict if the plan changed since `plan` was read."""

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[Document]:
        """The stored plans where any of `fields` holds the person, as stored (for an access request)."""

    async def ids_naming(self, person_id: str, fields: tuple[str, ...], limit: int = 100_000) -> list[str]: ...

    async def listed(self, *, organisation_id: str | None, reach: PlanReach | None, offset: int,
                     limit: int) -> list[Plan]:
        """`reach` None: every plan (an unrestricted caller)."""

    async def watched_before(self, today: str, limit: int) -> list[str]:
        """The ids of plans whose next milestone to watch (`watch_from`) is before `today`."""


class VersionedRecords(Protocol[R]):
    """Records each kept as one versioned document with its own outbox (`RecordDocuments`); the store maps
    the documents, so `_id` and the stored shape stay in the adapter."""

    name: str

    async def get(self, record_id: str) -> R | None: ...

    async def stored(self, record_id: str) -> Document | None:
        """The record's document as stored (for an access request)."""

    async def many(self, record_ids: Iterable[str]) -> dict[str, R]:
        """The records among `record_ids` that exist, by id."""

    async def add(self, record: R, *events: IntegrationEvent) -> None:
        """Conflict if the id is taken."""

    async def save(self, record: R, *, changes: Document, push: Document | None = None,
                   events: Iterable[IntegrationEvent] = ()) -> None:
        """Write `changes` (stored field names; records among the values, such as a list's entries, are
        stored as their documents) and `push` (appended to list fields). Conflict if the record changed
        since `record` was read."""

    async def naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                     limit: int = 10_000) -> list[Document]:
        """The stored documents where any of `fields` holds the person, as stored (for an access request)."""

    async def ids_naming(self, person_id: str, fields: tuple[str, ...] = ("actors",),
                         limit: int = 100_000) -> list[str]: ...


class SeriesRepository(VersionedRecords[Series], Protocol):
    """The units' own series (one per unit and kind), handed out as `Series` records; `add` stores the
    series with its `version` (that of its first reading)."""


class StaffInputRepository(VersionedRecords[StaffInput], Protocol):
    """The units' staff input (one per unit), handed out as `StaffInput` records."""


class FrameRepository(VersionedRecords[CompetenceFrame], Protocol):
    """The organisations' staff types and staff (one frame per organisation)."""


class ConferredRepository(VersionedRecords[ConferredCompetences], Protocol):
    """What each programme's completion confers (one per programme)."""


class HolderRepository(VersionedRecords[CompetenceHolder], Protocol):
    """Each person's completions and the competences they conferred (one per person)."""


class TrendRepository(Protocol):
    """Each network's copy of its units' series, per kind (one document per network and kind)."""

    async def unit_version(self, trend_id: str, unit_id: str) -> int: ...

    async def put_unit(self, trend_id: str, unit_id: str, *, version: int, organisation_id: str,
                       readings: dict[str, float], network_id: str, kind: str) -> None: ...

    async def many(self, trend_ids: list[str]) -> dict[str, Document]: ...

    def lease(self, trend_id: str) -> Lease:
        """The cross-instance lease held around one read-modify-write of a trend document."""


class Lease(Protocol):
    async def hold(self) -> Any:
        """Truthy when taken, None while another holds it."""

    async def release(self) -> None: ...


class InputLinkRepository(Protocol):
    """Units' secret input links, by the token's hash."""

    async def add(self, link_hash: str, unit_id: str, created_at: datetime) -> None: ...

    async def unit_of(self, link_hash: str) -> str | None: ...

    async def remove(self, link_hash: str) -> None: ...


class DirectoryRepository(Protocol):
    """Measures' read model of enrollment's directory: networks, organisations and units by `<kind>:<id>`."""

    async def put(self, kind: Literal["network", "organisation", "unit"], entry_id: str,
                  state: Document) -> None: ...

    async def get(self, kind: Literal["network", "organisation", "unit"], entry_id: str) -> Document | None: ...

    async def networks_and_organisations(self, network_id: str) -> list[Document]: ...

    async def many(self, keys: Iterable[str]) -> dict[str, Document]: ...


class InsightRepository(Protocol):
    """The insight projection's contributors and network counters (see InsightStore for the steps)."""

    async def contributor(self, contributor_id: str) -> Document | None: ...

    async def record(self, contributor_id: str, *, previous: Document | None, event_id: str, network_id: str,
                     view: Document, contribution: Counters, delta: Counters, now: datetime) -> Document | None:
        """The pending entry added ({} when the counters do not move), or None when the contributor changed."""

    async def carry_to_network(self, network_id: str, contributor_id: str, version: int, delta: Counters,
                               now: datetime) -> None: ...

    async def forget_pending(self, contributor_id: str, version: int) -> None: ...

    async def clear_marker(self, network_id: str, contributor_id: str, version: int) -> None: ...

    async def with_pending(self, limit: int) -> list[str]: ...

    async def network(self, network_id: str) -> Document | None: ...


class National:
    """The national view's collections, one per kind of record (what `NationalRepository` takes as `collection`)."""

    PROGRAMMES = "national_programmes"
    COHORTS = "national_cohorts"
    SEATS = "national_seats"
    COMPLETIONS = "national_completions"
    MEASURES = "national_measures"
    SERIES = "national_series"  # each region's units' own indicator series (their whole state, from the latest event)
    ALL = (PROGRAMMES, COHORTS, SEATS, COMPLETIONS, MEASURES, SERIES)


class NationalRepository(Protocol):
    """The national view's copies of every region's records, one collection per kind."""

    async def apply(self, collection: str, document_id: str, *, offset: int, state: Document) -> bool:
        """False when an event at or after `offset` was applied already."""

    async def all(self, collection: str, region: str | None = None) -> list[Document]: ...


class PersonalDataRepository(Protocol):
    """What names a person outside the versioned documents: measures and insight contributions."""

    async def measure_ids_naming(self, person_id: str) -> list[str]: ...

    async def measures_naming(self, person_id: str) -> list[Document]: ...

    async def insight_contributions(self, person_id: str) -> list[Document]: ...
