"""The notifications service's app factory: `uvicorn samla_notifications.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.clock import Clock, system_clock
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_notifications.adapters.ports import ContactDirectory, Mailer
from samla_notifications.bootstrap import CONSUMED, bootstrap, prepare_database
from samla_notifications.entrypoints import personal_data
from samla_notifications.entrypoints.access import ACCESS
from samla_notifications.entrypoints.api import ROUTERS
from samla_notifications.settings import NotificationsSettings


def create_app(settings: NotificationsSettings | None = None, *, contacts: ContactDirectory | None = None,
               mailer: Mailer | None = None, clock: Clock = system_clock) -> FastAPI:
    settings = settings or NotificationsSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings, on_database_ready=prepare_database)
    notifications = bootstrap(settings, runtime, contacts=contacts, mailer=mailer, clock=clock)
    erasure = notifications.personal_data

    async def erase_then_tell_integrators(event: CloudEvent) -> None:
        await erasure.on_erased(event)
        await notifications.handlers.handle(event)  # webhook subscribers hear of it too (ids only)

    for topic, events in CONSUMED:
        handlers = {event: notifications.handlers.handle for event in events}
        if ParticipantErased in handlers:
            handlers[ParticipantErased] = erase_then_tell_integrators
        batched = settings.event_batch_size > 1
        runtime.consume(topic, handlers, batch_size=settings.event_batch_size,
                        concurrency=settings.event_concurrency if batched else 1,
                        batch_scope=notifications.handlers.prepared if batched else None)

    app = build_service_app(
        runtime, title="Samla notifications",
        description="E-mail in Norwegian, Danish and English, reminders, and signed webhooks for integrators.",
        routers=(*ROUTERS, personal_data.router, personal_data.retention),
        access=ACCESS,
    )
    app.state.notifications = notifications
    app.state.personal_data = erasure
    return app
