"""The one place that wires measures together: the runtime, stores, use cases, consumers, background work.

`entrypoints/app.py` builds the HTTP app from what `bootstrap` returns; tests replace the
clock here (to move "today" past a due date) instead of patching modules.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.clock import Clock, system_clock
from samla_shared.contract import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.measures import EVENTS
from samla_shared.http.rate_limit import SharedRateLimit
from samla_shared.service_runtime import ServiceRuntime
from samla_measures.adapters.competence_store import CONFERRED_RECORDS, FRAME_RECORDS, HOLDER_RECORDS
from samla_measures.adapters.documents import PlanStore, versioned_records
from samla_measures.adapters.directory_store import DirectoryStore, ensure_directory_indexes
from samla_measures.adapters.exports import MeasureExportReader
from samla_measures.adapters.input_links import InputLinkStore
from samla_measures.adapters.insight_store import InsightStore, ensure_insight_indexes
from samla_measures.adapters.national_store import NationalStore, ensure_national_indexes
from samla_measures.adapters.personal_data import PersonalDataStore
from samla_measures.adapters.repository import (
    OUTBOX_COLLECTIONS,
    MeasureStore,
    ToolboxStore,
    ensure_measure_indexes,
)
from samla_measures.adapters.series_store import SERIES_RECORDS
from samla_measures.adapters.trend_store import TrendStore
from samla_measures.adapters.unit_input_store import STAFF_INPUT_RECORDS
from samla_measures.entrypoints.national_feed import NationalFeed
from samla_measures.service_layer.competences import FRAMES, PEOPLE, PROGRAMMES, Competences
from samla_measures.service_layer.directory import Directory
from samla_measures.service_layer.exports import MeasureExports
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.national_view import NationalView
from samla_measures.service_layer.overdue import OverdueWatch
from samla_measures.service_layer.personal_data import PersonalData
from samla_measures.service_layer.plans import PLANS, Plans
from samla_measures.service_layer.series import SERIES, UnitSeries
from samla_measures.service_layer.toolbox import ToolboxService
from samla_measures.service_layer.unit_input import UNIT_INPUT, UnitInput
from samla_measures.settings import MeasuresSettings


@dataclass(frozen=True)
class Measures:
    """The runtime, and everything the routes reach (as `app.state.<name>`), built once per process."""

    runtime: ServiceRuntime
    toolbox: ToolboxService
    measures: MeasuresService
    exports: MeasureExports
    personal_data: PersonalData
    insight: InsightProjection
    directory: Directory
    series: UnitSeries
    plans: Plans
    competences: Competences
    unit_input: UnitInput
    input_link_limit: SharedRateLimit
    overdue_watch: OverdueWatch
    national: NationalView | None  # national mode only

    def app_state(self) -> dict[str, Any]:
        """What the routes reach by name (the app keeps the runtime itself)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "runtime"}


def bootstrap(settings: MeasuresSettings, *, clock: Clock = system_clock) -> Measures:
    """Build the runtime and the use cases on its database, subscribe their handlers and register
    the background work (the overdue watch, the national feed) with the runtime, which starts
    them on the writing instance and stops them, bounded, before the database closes."""
    runtime = ServiceRuntime(
        settings, publishes={MEASURES_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    db, locks, wake_relay = runtime.db, runtime.document_locks, runtime.relay.notify
    toolbox_store = ToolboxStore(db)
    measures = MeasuresService(MeasureStore(db, settings.event_source), toolbox_store, locks, clock=clock,
                               on_events_staged=wake_relay)
    projection = InsightProjection(InsightStore(db), locks, clock)
    directory = Directory(DirectoryStore(db))
    source = settings.event_source
    competences = Competences(versioned_records(db, FRAMES, source, FRAME_RECORDS),
                              versioned_records(db, PROGRAMMES, source, CONFERRED_RECORDS),
                              versioned_records(db, PEOPLE, source, HOLDER_RECORDS), locks,
                              on_events_staged=wake_relay)
    series = UnitSeries(versioned_records(db, SERIES, source, SERIES_RECORDS), TrendStore(db), locks, clock,
                        on_events_staged=wake_relay)
    unit_input = UnitInput(versioned_records(db, UNIT_INPUT, source, STAFF_INPUT_RECORDS), InputLinkStore(db), locks,
                           measures, clock)
    plans = Plans(PlanStore(db, PLANS, source), locks, series, measures, clock, on_events_staged=wake_relay)
    erasure = PersonalData(PersonalDataStore(db), measures, others={
        "unit_series": series, "unit_input": unit_input, "plans": plans, "competences": competences})

    consumed = projection.handlers()
    consumed[MEASURES_TOPIC] = consumed.get(MEASURES_TOPIC, {}) | series.handlers()[MEASURES_TOPIC]
    consumed[ENROLLMENT_TOPIC] = (consumed.get(ENROLLMENT_TOPIC, {})
                                  | {ParticipantErased: erasure.on_erased}
                                  | directory.handlers()[ENROLLMENT_TOPIC])
    for event_type, handler in competences.handlers()[SESSIONS_TOPIC].items():
        earlier = consumed.setdefault(SESSIONS_TOPIC, {}).get(event_type)
        consumed[SESSIONS_TOPIC][event_type] = together(earlier, handler) if earlier else handler
    for topic, handlers in consumed.items():
        runtime.consume(topic, handlers)

    # Both write (overdue marks, the national view): on the writing instance only.
    watch = OverdueWatch(measures, projection, interval=settings.overdue_scan_interval_seconds, plans=plans)
    runtime.run_in_background("measures-overdue-watch", watch.run)
    national = None
    if settings.national_kafka_bootstrap_servers:
        national = NationalView(NationalStore(db), locks)
        feed = NationalFeed(settings, national)
        runtime.add_readiness_check(feed.readiness)
        runtime.run_in_background("the national feed", feed.start, stop=feed.stop)

    return Measures(
        runtime=runtime, toolbox=ToolboxService(toolbox_store), measures=measures,
        exports=MeasureExports(MeasureExportReader(db), measures, directory),
        personal_data=erasure, insight=projection, directory=directory, series=series, plans=plans,
        competences=competences, unit_input=unit_input,
        # Per link, across every instance (the anonymous per-address limit applies as well).
        input_link_limit=SharedRateLimit(db, burst=settings.input_link_burst,
                                         per_minute=settings.input_link_per_minute, collection="input_link_slots"),
        overdue_watch=watch, national=national,
    )


def together(*handlers: Callable[[CloudEvent], Awaitable[Any]]) -> Callable[[CloudEvent], Awaitable[None]]:
    """One consumer handler running several in turn: each is idempotent, so a redelivery after a
    failure half-way repeats the first harmlessly and finishes the rest."""

    async def handle(event: CloudEvent) -> None:
        for handler in handlers:
            await handler(event)

    return handle


async def prepare_database(db: AsyncDatabase) -> None:
    """Indexes, then the shared toolbox catalogue (idempotent: fixed ids, inserted only once)."""
    await ensure_measure_indexes(db)
    await ensure_insight_indexes(db)
    await ensure_directory_indexes(db)
    await ensure_national_indexes(db)
    await ToolboxService(ToolboxStore(db)).seed_catalogue()
