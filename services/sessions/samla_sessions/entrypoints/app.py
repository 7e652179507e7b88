"""The sessions service's app factory: `uvicorn samla_sessions.entrypoints.app:create_app --factory`.

It builds the HTTP app around what `samla_sessions.bootstrap` wires; the runtime (started
and stopped by the app's lifespan) owns the consumer, the outside clients and the bounded shutdown.
"""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.clock import Clock, system_clock
from samla_shared.http.app_factory import build_service_app
from samla_shared.structured_logging import configure_logging
from samla_sessions.adapters.people import PeopleUnavailable
from samla_sessions.adapters.ports import MethodCatalogue, PeopleDirectory
from samla_sessions.bootstrap import bootstrap
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
    wired = bootstrap(settings, people=people, toolbox=toolbox, clock=clock)
    app = build_service_app(
        wired.runtime,
        title="Samla sessions",
        description="Gatherings of a cohort, its roster (built from enrollment events), attendance and completion.",
        routers=(*ROUTERS, *document_routes.ROUTERS, calendar_feed_routes.router, personal_data.router),
        domain_errors={PeopleUnavailable: 503}, access=ACCESS,
    )
    use_cases = wired.use_cases
    app.state.personal_data = use_cases.personal_data
    app.state.documents = use_cases.documents
    app.state.calendar_feeds = use_cases.calendar_feeds
    app.state.services = Services(
        sessions=use_cases.sessions,
        completion=use_cases.completion,
        plan=use_cases.plan,
        roster=use_cases.roster,
    )
    return app
