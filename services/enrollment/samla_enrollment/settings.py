"""Settings of the enrollment service, read from ENROLLMENT_* environment variables."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import Field

from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class EnrollmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ENROLLMENT_", extra="ignore")

    service_name: ClassVar[str] = "enrollment"
    mongo_database: str = "samla_enrollment"
    # Personal data in applications of completed cohorts is anonymised this long after the
    # cohort was completed (24 months; ISO 8601 duration or seconds, e.g. ENROLLMENT_APPLICATION_RETENTION=P730D).
    application_retention: timedelta = Field(default=timedelta(days=730), gt=timedelta(0))
    # How often the retention job looks for expired applications.
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    run_retention: bool = True
    # How often the offer watch looks for seat offers past their deadline (each programme sets the deadline
    # itself, `offer_days`); the deadlines are stored, so a restart loses none, it only acts a round later.
    offer_watch_interval_seconds: float = Field(default=30.0, gt=0)
    run_offer_watch: bool = True
