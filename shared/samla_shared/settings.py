"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Connection and identity settings. Subclasses set `env_prefix` (e.g. ENROLLMENT_)."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "samla"

    environment: Literal["development", "test", "production"] = "development"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Plaintext without authentication on the local stack (loopback only); SASL/SCRAM with the
    # service's own principal in compose and production (samla_shared.messaging.kafka_security).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_database: str
    # The deployment (region) that produced an event: the CloudEvents `ce_source`.
    deployment: str = Field(default="local", pattern=r"^[a-z0-9-]+$")
    otlp_endpoint: str | None = None
    log_level: str = "INFO"
    run_consumers: bool = True
    # Consumer group of this service; instances of one service share it and split the partitions.
    consumer_group: str | None = None
    # Where a brand-new consumer group starts. "earliest" rebuilds read models from the
    # retained history; tests use "latest" with a fresh group to skip old traffic.
    consumer_offset_reset: Literal["earliest", "latest"] = "earliest"
    run_relay: bool = True

    @property
    def event_source(self) -> str:
        return f"/samla/{self.deployment}/{self.service_name}"

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> "ServiceSettings":
        if self.kafka_security_protocol != "PLAINTEXT" and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(f"kafka_security_protocol {self.kafka_security_protocol} needs kafka_sasl_username "
                             "and kafka_sasl_password (from the environment)")
        return self

    @model_validator(mode="after")
    def _refuse_local_defaults_in_production(self) -> "ServiceSettings":
        if self.environment == "production" and self.deployment == "local":
            raise ValueError("set a deployment name (the region) in production; 'local' is for development")
        return self
