"""The measures service's app factory: `uvicorn samla_measures.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.clock import Clock, system_clock
from samla_shared.contract import MEASURES_TOPIC
from samla_shared.contract.measures import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_measures.adapters.repository import OUTBOX_COLLECTIONS
from samla_measures.bootstrap import bootstrap, prepare_database
from samla_measures.entrypoints.access import ACCESS
from samla_measures.entrypoints import personal_data
from samla_measures.entrypoints import competences_api, plans_api, series_api, unit_input_api
from samla_measures.entrypoints import exports as export_routes
from samla_measures.entrypoints.api import ROUTERS
from samla_measures.settings import MeasuresSettings


def create_app(settings: MeasuresSettings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """Wire the service. `clock` is injectable so tests can move "today" past a due date."""
    settings = settings or MeasuresSettings()
    configure_logging(settings.service_name, settings.log_level)

    runtime = ServiceRuntime(
        settings, publishes={MEASURES_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    service = bootstrap(settings, runtime, clock=clock)
    app = build_service_app(
        runtime, title="Samla measures",
        description="Toolbox, workplace measures owned in party cooperation, indicators, follow-ups, network insight.",
        routers=(*ROUTERS, series_api.router, *unit_input_api.ROUTERS, plans_api.router, *competences_api.ROUTERS,
                 export_routes.router, personal_data.router),
        access=ACCESS,
    )
    for name, value in service.app_state().items():
        setattr(app.state, name, value)
    return app
