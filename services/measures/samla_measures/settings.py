"""Settings of the measures service, read from MEASURES_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings


class MeasuresSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEASURES_", extra="ignore")

    service_name: ClassVar[str] = "measures"
    mongo_database: str = "samla_measures"
    # How often the watch looks for overdue follow-ups; due dates are whole days, so minutes suffice.
    overdue_scan_interval_seconds: float = Field(default=300.0, gt=0)
    # National mode: the national cluster, where MirrorMaker 2 replicates every region's topics.
    # When set, the service also builds the national view (GET /national/overview) from them.
    national_kafka_bootstrap_servers: str | None = None
    national_consumer_group: str | None = None
    # How soon a new region's replicated topics are noticed (the pattern is re-evaluated on metadata refresh).
    national_topic_discovery_seconds: float = Field(default=60.0, gt=0)
    # A unit's anonymous input link: items per link (besides the per-address limit of anonymous calls).
    input_link_burst: int = Field(default=20, ge=1)
    input_link_per_minute: float = Field(default=10.0, gt=0)
