"""The measures service's app factory: `uvicorn samla_measures.entrypoints.app:create_app --factory`.

It builds the HTTP app around what `samla_measures.bootstrap` wires; the runtime (started
and stopped by the app's lifespan) owns the consumers, the background work and the bounded shutdown.
"""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.clock import Clock, system_clock
from samla_shared.http.app_factory import build_service_app
from samla_shared.structured_logging import configure_logging
from samla_measures.bootstrap import bootstrap
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
    wired = bootstrap(settings, clock=clock)
    app = build_service_app(
        wired.runtime, title="Samla measures",
        description="Toolbox, workplace measures owned in party cooperation, indicators, follow-ups, network insight.",
        routers=(*ROUTERS, series_api.router, *unit_input_api.ROUTERS, plans_api.router, *competences_api.ROUTERS,
                 export_routes.router, personal_data.router),
        access=ACCESS,
    )
    for name, value in wired.app_state().items():
        setattr(app.state, name, value)
    return app
