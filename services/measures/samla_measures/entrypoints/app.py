"""The measures service's app factory: `uvicorn samla_measures.entrypoints.app:create_app --factory`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.measures import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.http.rate_limit import SharedRateLimit
from samla_shared.service_runtime import ServiceRuntime, stop_within
from samla_shared.structured_logging import configure_logging
from samla_measures.adapters.directory_store import DirectoryStore, ensure_directory_indexes
from samla_measures.adapters.exports import MeasureExportReader
from samla_measures.adapters.insight_store import InsightStore, ensure_insight_indexes
from samla_measures.adapters.national_store import NationalStore, ensure_national_indexes
from samla_measures.adapters.personal_data import PersonalDataStore
from samla_measures.adapters.repository import (
    OUTBOX_COLLECTIONS,
    MeasureStore,
    ToolboxStore,
    ensure_measure_indexes,
)
from samla_measures.entrypoints.access import ACCESS
from samla_measures.entrypoints import personal_data
from samla_measures.entrypoints import competences_api, plans_api, series_api, unit_input_api
from samla_measures.entrypoints import exports as export_routes
from samla_measures.entrypoints.api import ROUTERS
from samla_measures.entrypoints.national_feed import NationalFeed
from samla_measures.service_layer.competences import Competences
from samla_measures.service_layer.directory import Directory
from samla_measures.service_layer.exports import MeasureExports
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import Clock, MeasuresService, system_clock
from samla_measures.service_layer.national_view import NationalView
from samla_measures.service_layer.overdue import OverdueWatch
from samla_measures.service_layer.personal_data import PersonalData
from samla_measures.service_layer.plans import Plans
from samla_measures.service_layer.series import UnitSeries
from samla_measures.service_layer.unit_input import UnitInput
from samla_measures.service_layer.toolbox import ToolboxService
from samla_measures.settings import MeasuresSettings


def create_app(settings: MeasuresSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """Wire the service. `clock` is injectable so tests can move "today" past a due date."""
    settings = settings or MeasuresSettings()
    configure_logging(settings.service_name, settings.log_level)

    runtime = ServiceRuntime(
        settings, publishes={MEASURES_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    toolbox_store = ToolboxStore(runtime.db)
    toolbox = ToolboxService(toolbox_store)
    measures = MeasuresService(MeasureStore(runtime.db, settings.event_source), toolbox_store,
                               runtime.document_locks, clock=clock, on_events_staged=runtime.relay.notify)
    projection = InsightProjection(InsightStore(runtime.db), runtime.document_locks, clock)
    consumed = projection.handlers()
    directory = Directory(DirectoryStore(runtime.db))
    competences = Competences(runtime.db, settings.event_source, runtime.document_locks,
                              on_events_staged=runtime.relay.notify)
    series = UnitSeries(runtime.db, settings.event_source, runtime.document_locks, clock,
                        on_events_staged=runtime.relay.notify)
    unit_input = UnitInput(runtime.db, settings.event_source, runtime.document_locks, measures, clock)
    plans = Plans(runtime.db, settings.event_source, runtime.document_locks, series, measures, clock,
                  on_events_staged=runtime.relay.notify)
    erasure = PersonalData(PersonalDataStore(runtime.db), measures, others={
        "unit_series": series, "unit_input": unit_input, "plans": plans, "competences": competences})
    consumed[MEASURES_TOPIC] = consumed.get(MEASURES_TOPIC, {}) | series.handlers()[MEASURES_TOPIC]
    consumed[ENROLLMENT_TOPIC] = (consumed.get(ENROLLMENT_TOPIC, {})
                                  | {ParticipantErased: erasure.on_erased}
                                  | directory.handlers()[ENROLLMENT_TOPIC])
    for event_type, handler in competences.handlers()[SESSIONS_TOPIC].items():
        earlier = consumed.setdefault(SESSIONS_TOPIC, {}).get(event_type)
        consumed[SESSIONS_TOPIC][event_type] = together(earlier, handler) if earlier else handler
    for topic, handlers in consumed.items():
        runtime.consume(topic, handlers)
    watch = OverdueWatch(measures, projection, interval=settings.overdue_scan_interval_seconds, plans=plans)
    national = NationalView(NationalStore(runtime.db), runtime.document_locks)
    feed = NationalFeed(settings, national) if settings.national_kafka_bootstrap_servers else None
    if feed is not None:
        runtime.add_readiness_check(feed.readiness)

    app = build_service_app(
        runtime, title="Samla measures",
        description="Toolbox, workplace measures owned in party cooperation, indicators, follow-ups, network insight.",
        routers=(*ROUTERS, series_api.router, *unit_input_api.ROUTERS, plans_api.router, *competences_api.ROUTERS,
                 export_routes.router, personal_data.router),
        access=ACCESS,
    )
    _run_beside_lifespan(app, runtime, watch.run, feed, settings.shutdown_step_seconds)
    app.state.toolbox = toolbox
    app.state.measures = measures
    app.state.exports = MeasureExports(MeasureExportReader(runtime.db), measures, directory)
    app.state.personal_data = erasure
    app.state.insight = projection
    app.state.directory = directory
    app.state.series = series
    app.state.plans = plans
    app.state.competences = competences
    app.state.unit_input = unit_input
    # Per link, across every instance (the anonymous per-address limit applies as well).
    app.state.input_link_limit = SharedRateLimit(runtime.db, burst=settings.input_link_burst,
                                                 per_minute=settings.input_link_per_minute,
                                                 collection="input_link_slots")
    app.state.overdue_watch = watch
    app.state.national = national if feed is not None else None
    return app


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


def _run_beside_lifespan(app: FastAPI, runtime: ServiceRuntime, background: Any, feed: NationalFeed | None,
                         stop_seconds: float) -> None:
    """Start `background()` (and the national feed) once the shared lifespan has started the runtime; stop them before it.

    Wrapping the lifespan keeps the shared app factory unchanged for services without
    periodic work, instead of adding a hook to ServiceRuntime for this one service.
    """
    shared_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        async with shared_lifespan(app_) as state:
            # Both write (overdue marks, the national view): on the writing instance only.
            task = asyncio.create_task(runtime.as_writer(background), name="measures-overdue-watch")
            feed_start = asyncio.create_task(runtime.as_writer(feed.start)) if feed is not None else None
            try:
                yield state
            finally:
                # Bounded like the runtime's own steps: a watch cancelled inside a database call
                # that cannot end (see stop_within) must not hold the shutdown.
                if feed is not None and feed_start is not None:
                    feed_start.cancel()
                    await stop_within("the national feed", feed.stop(), stop_seconds)
                task.cancel()
                await stop_within("the overdue watch", asyncio.gather(task, return_exceptions=True), stop_seconds)

    app.router.lifespan_context = lifespan
