"""The sessions service's app factory: `uvicorn samla_sessions.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.clock import Clock, system_clock
from samla_shared.http.app_factory import build_service_app
from samla_shared.structured_logging import configure_logging
from samla_sessions.adapters.people import PeopleDirectory, PeopleUnavailable
from samla_sessions.adapters.toolbox import MethodCatalogue
from samla_sessions.bootstrap import Sessions, bootstrap, prepare_database, service_runtime
from samla_sessions.entrypoints import calendar_feeds as calendar_feed_routes
from samla_sessions.entrypoints import documents as document_routes
from samla_sessions.entrypoints import personal_data
from samla_sessions.entrypoints.access import ACCESS
from samla_sessions.entrypoints.api import ROUTERS, Services
from samla_sessions.settings import SessionsSettings


def create_app(settings: SessionsSettings | None = None, *, people: PeopleDirectory | None = None,
               toolbox: MethodCatalogue | None = None, clock: Clock = system_clock) -> FastAPI:
    settings = settings or SessionsSettings()
    configure_logging(settings.service_name, settings.log_level)
    wired: Sessions

    async def on_database_ready(db: AsyncDatabase) -> None:
        await prepare_database(db, wired)

    # The runtime owns the lifecycle: it starts the consumers and the relay, and at stop releases
    # the HTTP clients bootstrap registered (close_at_stop) before it closes the database.
    runtime = service_runtime(settings, on_database_ready=on_database_ready)
    wired = bootstrap(settings, runtime, people=people, toolbox=toolbox, clock=clock)
    app = build_service_app(
        runtime,
        title="Samla sessions",
        description="Gatherings of a cohort, its roster (built from enrollment events), attendance and completion.",
        routers=(*ROUTERS, *document_routes.ROUTERS, calendar_feed_routes.router, personal_data.router),
        domain_errors={PeopleUnavailable: 503}, access=ACCESS,
    )
    app.state.personal_data = wired.personal_data
    app.state.documents = wired.documents
    app.state.calendar_feeds = wired.calendar_feeds
    app.state.services = Services(
        sessions=wired.sessions,
        completion=wired.completion,
        plan=wired.plan,
        roster=wired.roster,
    )
    return app
