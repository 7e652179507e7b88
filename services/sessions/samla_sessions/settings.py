"""Settings of the sessions service, read from SESSIONS_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"
    mongo_database: str = "samla_sessions"

    # -- names on printed documents -----------------------------------------------------------
    # Attendance sheets, exports and certificates print names, which live in enrollment;
    # sessions reads them at print time with its own client token (adapters/people.py).
    enrollment_url: str = "http://127.0.0.1:8001"
    enrollment_token: SecretStr | None = None
    people_timeout_seconds: float = Field(default=5.0, gt=0)

    # -- calendar subscriptions ---------------------------------------------------------------
    # The address calendar applications reach this service at, for the secret feed URLs it hands out.
    public_url: str = "http://127.0.0.1:8002"
