"""The notifications service's app factory: `uvicorn samla_notifications.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_notifications.settings import NotificationsSettings


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings)
    return build_service_app(
        runtime, title="Samla notifications",
        description="E-mail in Norwegian, Danish and English, reminders, and signed webhooks for integrators.",
        routers=(), domain_errors={},
    )
