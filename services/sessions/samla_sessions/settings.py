"""Settings of the sessions service, read from SESSIONS_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"
    mongo_database: str = "samla_sessions"
