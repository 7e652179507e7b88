"""The sessions service's app factory: `uvicorn samla_sessions.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.sessions import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.security.client_credentials import client_credentials
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_sessions.adapters.repository import (
    OUTBOX_COLLECTIONS,
    CompletionStore,
    RosterStore,
    SessionStore,
    ensure_indexes,
)
from samla_sessions.adapters.calendar_feeds import CalendarFeedStore
from samla_sessions.adapters.people import HttpPeopleDirectory, PeopleUnavailable
from samla_sessions.adapters.toolbox import HttpToolbox
from samla_sessions.adapters.personal_data import PersonalDataStore
from samla_sessions.entrypoints.access import ACCESS
from samla_sessions.entrypoints import calendar_feeds as calendar_feed_routes
from samla_sessions.entrypoints import documents as document_routes
from samla_sessions.entrypoints import personal_data
from samla_sessions.entrypoints.api import ROUTERS, Services
from samla_sessions.service_layer.calendar_feeds import CalendarFeeds
from samla_sessions.service_layer.completion import CompletionPolicy
from samla_sessions.service_layer.directory_names import DirectoryNames
from samla_sessions.service_layer.documents import SessionDocuments
from samla_sessions.service_layer.personal_data import PersonalData
from samla_sessions.service_layer.participant_plan import ParticipantPlan
from samla_sessions.service_layer.roster_projection import RosterProjection
from samla_sessions.service_layer.sessions import SessionService
from samla_sessions.settings import SessionsSettings


def create_app(settings: SessionsSettings | None = None) -> FastAPI:
    settings = settings or SessionsSettings()
    configure_logging(settings.service_name, settings.log_level)

    async def prepare_database(_: AsyncDatabase) -> None:
        await ensure_indexes(runtime.db)
        await completion.catch_up()  # completions left due by a stop right after a session was held

    runtime = ServiceRuntime(
        settings,
        publishes={SESSIONS_TOPIC: EVENTS},
        outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    locks = runtime.document_locks
    roster = RosterStore(runtime.db)
    session_store = SessionStore(runtime.db, settings.event_source)
    completion_store = CompletionStore(runtime.db, settings.event_source)
    completion = CompletionPolicy(session_store, roster, completion_store, locks,
                                  runtime.relay.notify)
    feed_store = CalendarFeedStore(runtime.db)
    erasure = PersonalData(PersonalDataStore(runtime.db), session_store, locks, feed_store)
    directory = DirectoryNames(roster)
    # Batches: one offset commit per batch instead of per record, which bounded the roster's
    # event path; a few cohorts at a time, each cohort's events still in order.
    runtime.consume(ENROLLMENT_TOPIC, RosterProjection(roster, locks).handlers() | directory.handlers()
                    | {ParticipantErased: erasure.on_erased},
                    batch_size=500, concurrency=4)
    app = build_service_app(
        runtime,
        title="Samla sessions",
        description="Gatherings of a cohort, its roster (built from enrollment events), attendance and completion.",
        routers=(*ROUTERS, *document_routes.ROUTERS, calendar_feed_routes.router, personal_data.router),
        domain_errors={PeopleUnavailable: 503}, access=ACCESS,
    )
    app.state.personal_data = erasure
    session_service = SessionService(session_store, roster, completion, locks, runtime.relay.notify)
    people = HttpPeopleDirectory(settings.enrollment_url, timeout=settings.people_timeout_seconds,
                                 credentials=client_credentials(settings, settings.enrollment_audience))
    toolbox = HttpToolbox(settings.measures_url, timeout=settings.people_timeout_seconds,
                          credentials=client_credentials(settings, settings.measures_audience))
    app.state.documents = SessionDocuments(session_service, completion, roster, people, directory, toolbox)
    plan = ParticipantPlan(session_store, roster, completion_store)
    app.state.calendar_feeds = CalendarFeeds(feed_store, plan, session_service, locks)
    app.state.services = Services(
        sessions=session_service,
        completion=completion,
        plan=plan,
        roster=roster,
    )
    runtime_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(instance: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(instance):
            try:
                yield
            finally:
                await people.close()
                await toolbox.close()

    app.router.lifespan_context = lifespan
    return app
