"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

import os
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


# Where infra/local/dev_issuer.py serves its keys and tokens; never a production issuer.
DEVELOPMENT_ISSUER_PATH = "/dev-issuer"


class ServiceSettings(BaseSettings):
    """Connection and identity settings. Subclasses set `env_prefix` (e.g. ENROLLMENT_)."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "samla"

    # Required: a deployment that forgot it must not quietly trust the development issuer and
    # send no HSTS. <PREFIX>_ENVIRONMENT, or SAMLA_ENVIRONMENT for the whole deployment (the
    # development issuer reads that one too, and refuses to run unless it says development or test).
    environment: Literal["development", "test", "production"]
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # SASL/SCRAM with the service's own principal on the local stack `make up` runs (stack.py sets
    # it), in compose and production (samla_shared.messaging.kafka_security); plaintext on the
    # tests' own broker (loopback only, test records only).
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
    # How long each shutdown step (background tasks, Kafka, MongoDB) may take before it is
    # abandoned; keep the sum below the orchestrator's grace period (Kubernetes: 30 s).
    shutdown_step_seconds: float = Field(default=10.0, gt=0)
    # Several instances of this service (docs/scale-out.md): > 0 elects one writer by a lease of
    # this many seconds; the others serve reads and forward writes to it at `instance_url`, the
    # address they reach this instance at (in Kubernetes, http://<pod IP>:<port>). 0, the
    # default: this is the only instance and writes, as on the local stack.
    writer_lease_seconds: float = Field(default=0.0, ge=0)
    instance_url: str | None = None

    # -- authentication: the identity provider's OIDC issuer, this API's audience, its keys --
    # The defaults point at the development issuer of the local stack (infra/local/dev_issuer.py),
    # which production settings refuse. See docs/security.md for HelseID, Feide, ID-porten, Keycloak.
    auth_issuer: str = "http://127.0.0.1:8090/dev-issuer"
    # One audience per service (samla-enrollment, …): a token minted for one service is
    # refused by the others, so a leaked token opens one door, not four.
    auth_audience: str = ""
    auth_jwks_url: str = "http://127.0.0.1:8090/dev-issuer/jwks.json"
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # Access tokens living longer than this (exp - iat) are refused.
    auth_max_token_lifetime_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # The `typ` header an access token must carry; RFC 9068 says at+jwt. A provider that
    # marks access tokens differently (Keycloak: JWT) can be named here.
    auth_token_types: list[str] = ["at+jwt"]
    # The key set is refreshed after this age, and on an unknown key id at most once per
    # `auth_key_refresh_min_seconds` (so made-up key ids cannot hammer the provider).
    auth_keys_max_age_seconds: int = Field(default=300, ge=10)
    auth_key_refresh_min_seconds: float = Field(default=30.0, ge=1)

    # -- hardening ------------------------------------------------------------------------
    # Browser origins allowed to call the API (CORS); none by default.
    cors_origins: list[str] = []
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # The public application form (no token, where the programme allows it): per client address,
    # counted in the service's MongoDB so all instances share one limit: `burst` uses per
    # window of burst/per_minute minutes.
    public_form_burst: int = Field(default=5, ge=1)
    public_form_per_minute: float = Field(default=10.0, gt=0)
    # Reverse proxies (addresses or networks, e.g. ["10.0.0.0/24"]) whose X-Forwarded-For
    # names the client; from anyone else the header is ignored. None by default.
    trusted_proxies: list[str] = []

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="before")
    @classmethod
    def _deployment_wide_environment(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("environment") and os.environ.get("SAMLA_ENVIRONMENT"):
            data = {**data, "environment": os.environ["SAMLA_ENVIRONMENT"]}
        return data

    @model_validator(mode="after")
    def _own_audience(self) -> "ServiceSettings":
        if not self.auth_audience:
            self.auth_audience = f"samla-{self.service_name}"
        return self

    @property
    def event_source(self) -> str:
        return f"/samla/{self.deployment}/{self.service_name}"

    @model_validator(mode="after")
    def _standbys_need_the_writers_address(self) -> "ServiceSettings":
        if self.writer_lease_seconds and not self.instance_url:
            raise ValueError("writer_lease_seconds needs instance_url: the address other instances forward writes to")
        if self.writer_lease_seconds and self.writer_lease_seconds < 1:
            raise ValueError("writer_lease_seconds is at least 1 (0 turns the election off)")
        return self

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
        if self.environment == "production":
            for name in ("auth_issuer", "auth_jwks_url"):
                url = urlsplit(getattr(self, name))
                if DEVELOPMENT_ISSUER_PATH in url.path:
                    raise ValueError(f"{name} names the development issuer, which is refused in production")
                if url.scheme != "https":
                    raise ValueError(f"{name} must use https in production")
            if "*" in self.cors_origins:
                raise ValueError("cors_origins '*' is refused in production; list the origins")
            if self.kafka_security_protocol != "SASL_SSL":
                raise ValueError("production needs kafka_security_protocol SASL_SSL (encrypted and authenticated)")
            self._require_secure_mongo()
        return self

    def _require_secure_mongo(self) -> None:
        url = urlsplit(self.mongo_url)
        options = {k.lower(): v[-1].lower() for k, v in parse_qs(url.query).items()}
        # mongodb+srv turns TLS on unless the URL switches it off.
        tls = options.get("tls", options.get("ssl", "true" if url.scheme == "mongodb+srv" else "false")) == "true"
        if not tls:
            raise ValueError("production needs MongoDB over TLS (tls=true in mongo_url)")
        if not (url.username or options.get("authmechanism") == "mongodb-x509"):
            raise ValueError("production needs an authenticated MongoDB connection (credentials in mongo_url)")
