"""Settings of the notifications service, read from NOTIFICATIONS_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: ClassVar[str] = "notifications"
    mongo_database: str = "samla_notifications"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Samla <no-reply@samla.local>"
