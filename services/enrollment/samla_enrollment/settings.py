"""Settings of the enrollment service, read from ENROLLMENT_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class EnrollmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENROLLMENT_", extra="ignore")

    service_name: ClassVar[str] = "enrollment"
    mongo_database: str = "samla_enrollment"
