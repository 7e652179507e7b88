"""The enrollment service's app factory: `uvicorn samla_enrollment.entrypoints.app:create_app --factory`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.directory import EVENTS as DIRECTORY_EVENTS
from samla_shared.contract.enrollment import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_enrollment.adapters.directory import DIRECTORY_COLLECTIONS, DirectoryStore
from samla_enrollment.adapters.exports import ExportReader
from samla_enrollment.adapters.personal_data import PersonalDataStore
from samla_enrollment.adapters.repository import OUTBOX_COLLECTIONS, EnrollmentStore, ensure_indexes
from samla_enrollment.entrypoints.access import ACCESS
from samla_enrollment.entrypoints import exports as export_routes
from samla_enrollment.entrypoints.api import ROUTERS
from samla_enrollment.entrypoints.directory import ROUTERS as DIRECTORY_ROUTERS
from samla_enrollment.service_layer.directory import Directory
from samla_enrollment.service_layer.exports import CohortExports
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.offer_watch import run_offer_watch
from samla_enrollment.service_layer.privacy import PersonalData, run_retention
from samla_enrollment.settings import EnrollmentSettings


def create_app(settings: EnrollmentSettings | None = None) -> FastAPI:
    settings = settings or EnrollmentSettings()
    configure_logging(settings.service_name, settings.log_level)

    async def prepare_database(db: AsyncDatabase) -> None:
        await ensure_indexes(db)
        # A previous process may have stopped between an application write and its cohort
        # write; put every cohort level with its applications before calling ourselves ready.
        await enrollment.reconcile_all()
        await privacy.finish_unfinished()  # erasures recorded by a process that stopped before finishing

    runtime = ServiceRuntime(
        settings,
        publishes={ENROLLMENT_TOPIC: EVENTS + DIRECTORY_EVENTS},
        # The directory first: a network's registration goes out before the programmes naming it.
        outbox_collections=DIRECTORY_COLLECTIONS + OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    app = build_service_app(
        runtime,
        title="Samla enrollment",
        description="Programmes, cohorts, leader-approved applications, seats and waitlists, interest in the "
                    "next cohort, the directory of networks, organisations and units, and the people: the contact "
                    "details only this service keeps.",
        routers=(*ROUTERS, *DIRECTORY_ROUTERS, export_routes.router),
        access=ACCESS,
    )
    directory = Directory(DirectoryStore(runtime.db, settings.event_source), runtime.document_locks,
                          runtime.relay.notify)
    enrollment = EnrollmentService(EnrollmentStore(runtime.db, settings.event_source), runtime.document_locks,
                                   runtime.relay.notify, directory=directory,
                                   fence=runtime.fence if runtime.election is not None else None)
    privacy = PersonalData(PersonalDataStore(runtime.db, settings.event_source), enrollment.people,
                           runtime.document_locks, runtime.relay.notify)
    app.state.enrollment = enrollment
    app.state.directory = directory
    app.state.privacy = privacy
    app.state.exports = CohortExports(enrollment.store, ExportReader(runtime.db), directory)
    runtime_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(instance: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(instance):
            # Both write: they run on the writing instance only (runtime.as_writer).
            retention = (asyncio.create_task(runtime.as_writer(lambda: run_retention(
                privacy, retention=settings.application_retention, interval=settings.retention_interval_seconds)),
                name="application-retention") if settings.run_retention else None)
            offers = (asyncio.create_task(runtime.as_writer(lambda: run_offer_watch(
                enrollment, interval=settings.offer_watch_interval_seconds)), name="offer-watch")
                if settings.run_offer_watch else None)
            background = [task for task in (retention, offers) if task is not None]
            try:
                yield
            finally:  # before the runtime closes the database: no cohort writer or background round outlives it
                for task in background:
                    task.cancel()
                await asyncio.gather(*background, return_exceptions=True)
                await enrollment.close()

    app.router.lifespan_context = lifespan
    return app
