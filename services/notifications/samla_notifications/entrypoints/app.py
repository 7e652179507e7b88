"""The notifications service's app factory: `uvicorn samla_notifications.entrypoints.app:create_app --factory`.

It builds the HTTP app around what `samla_notifications.bootstrap` wires; the runtime (started
and stopped by the app's lifespan) owns the consumers, the loops, the clients and the bounded shutdown.
"""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.clock import Clock, system_clock
from samla_shared.http.app_factory import build_service_app
from samla_shared.structured_logging import configure_logging
from samla_notifications.adapters.ports import ContactDirectory, Mailer
from samla_notifications.bootstrap import bootstrap
from samla_notifications.entrypoints import personal_data
from samla_notifications.entrypoints.access import ACCESS
from samla_notifications.entrypoints.api import ROUTERS
from samla_notifications.settings import NotificationsSettings


def create_app(settings: NotificationsSettings | None = None, *, contacts: ContactDirectory | None = None,
               mailer: Mailer | None = None, clock: Clock = system_clock) -> FastAPI:
    settings = settings or NotificationsSettings()
    configure_logging(settings.service_name, settings.log_level)
    wired = bootstrap(settings, contacts=contacts, mailer=mailer, clock=clock)
    app = build_service_app(
        wired.runtime, title="Samla notifications",
        description="E-mail in Norwegian, Danish and English, reminders, and signed webhooks for integrators.",
        routers=(*ROUTERS, personal_data.router, personal_data.retention),
        access=ACCESS,
    )
    app.state.notifications = wired
    app.state.personal_data = wired.personal_data
    return app
