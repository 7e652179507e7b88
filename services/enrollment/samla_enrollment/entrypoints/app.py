"""The enrollment service's app factory: `uvicorn samla_enrollment.entrypoints.app:create_app --factory`.

It builds the HTTP app around what `samla_enrollment.bootstrap` wires; the runtime (started
and stopped by the app's lifespan) owns the background loops and the bounded shutdown.
"""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.http.app_factory import build_service_app
from samla_shared.structured_logging import configure_logging
from samla_enrollment.bootstrap import bootstrap
from samla_enrollment.entrypoints.access import ACCESS
from samla_enrollment.entrypoints import exports as export_routes
from samla_enrollment.entrypoints.api import ROUTERS
from samla_enrollment.entrypoints.directory import ROUTERS as DIRECTORY_ROUTERS
from samla_enrollment.settings import EnrollmentSettings


def create_app(settings: EnrollmentSettings | None = None) -> FastAPI:
    settings = settings or EnrollmentSettings()
    configure_logging(settings.service_name, settings.log_level)
    wired = bootstrap(settings)
    app = build_service_app(
        wired.runtime,
        title="Samla enrollment",
        description="Programmes, cohorts, leader-approved applications, seats and waitlists, interest in the "
                    "next cohort, the directory of networks, organisations and units, and the people: the contact "
                    "details only this service keeps.",
        routers=(*ROUTERS, *DIRECTORY_ROUTERS, export_routes.router),
        access=ACCESS,
    )
    app.state.enrollment = wired.enrollment
    app.state.directory = wired.directory
    app.state.privacy = wired.privacy
    app.state.exports = wired.exports
    return app
