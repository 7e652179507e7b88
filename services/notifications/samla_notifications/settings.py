"""Settings of the notifications service, read from NOTIFICATIONS_* environment variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings
from samla_shared.strict import StrictModel

DEVELOPMENT_CLIENT_SECRET = "dev-notifications-secret"  # infra/local/dev_issuer.py registers it
# A published key, so local data opens anywhere; production settings refuse it.
DEVELOPMENT_WEBHOOK_SECRET_KEY = "c2FtbGEtZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ="

Language = Literal["nb", "da", "en"]
TimeZone = Literal["Europe/Oslo", "Europe/Copenhagen"]


class NetworkProfile(StrictModel):
    """What a network's people get when nothing more specific is known about them."""

    language: Language = "nb"
    time_zone: TimeZone = "Europe/Oslo"


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: ClassVar[str] = "notifications"
    mongo_database: str = "samla_notifications"

    # -- e-mail -----------------------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "Samla <no-reply@samla.local>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Open SMTP connections kept for reuse; a new connection per mail costs a handshake each time.
    smtp_connections: int = Field(default=2, ge=1, le=32)
    # A deployment may ship its own wording: a directory laid out like samla_notifications/templates.
    templates_dir: Path | None = None

    # Batch consumption: one offset commit per batch, `event_concurrency` keys (aggregates) at
    # a time, each key's events in order. 1 reads one record at a time.
    event_concurrency: int = Field(default=8, ge=1, le=64)
    event_batch_size: int = Field(default=50, ge=1, le=1000)

    # -- recipients -------------------------------------------------------------------------
    # Contact details live in enrollment; notifications asks for them at send time.
    enrollment_url: str = "http://127.0.0.1:8001"
    # Look-ups carry short-lived client-credentials tokens (role contact_reader, enrollment's
    # audience) from the identity provider (auth_issuer), never a long-lived token from here.
    # The defaults are the development issuer's registration, refused in production.
    enrollment_client_id: str = "samla-notifications"
    enrollment_client_secret: SecretStr = SecretStr(DEVELOPMENT_CLIENT_SECRET)
    # Or, where the provider requires private_key_jwt (HelseID): the client's private key (PEM),
    # used instead of the secret, and the key id it is registered under (default: its thumbprint).
    enrollment_client_key: SecretStr | None = None
    enrollment_client_key_id: str | None = None
    enrollment_audience: str = "samla-enrollment"
    # The provider's token endpoint; by default the one its discovery document names.
    auth_client_credentials_url: str | None = None
    contact_timeout_seconds: float = Field(default=5.0, gt=0)
    # Network defaults, e.g. NOTIFICATIONS_NETWORKS='{"net-syddanmark": {"language": "da",
    # "time_zone": "Europe/Copenhagen"}}'. Networks not listed get the defaults below.
    networks: dict[str, NetworkProfile] = {}
    default_language: Language = "nb"
    default_time_zone: TimeZone = "Europe/Oslo"

    # The web portal, where mails send people to act: a leader decides an application at
    # /applications/{id}, a leader or representative agrees to a measure at /measures/{id},
    # a participant follows their own progress at /me.
    portal_url: str = "http://127.0.0.1:8000"

    # -- reminders --------------------------------------------------------------------------
    session_reminder_days: list[int] = Field(default=[7, 1], max_length=5)
    # Follow-up reminders go out at this hour (local time) on the due date.
    follow_up_reminder_hour: int = Field(default=8, ge=0, le=23)
    # A manager gets one reminder when an application has waited this many days for their decision.
    approval_reminder_days: int = Field(default=3, ge=1, le=90)
    reminder_poll_seconds: float = Field(default=30.0, gt=0)
    # Facts older than this when they reach us are not mailed (a replay of history on a new
    # deployment must not mail people about the past); they still update reminders and state.
    mail_horizon_hours: float = Field(default=72.0, gt=0)
    # A delivery claimed ("sending") for longer than this is taken as abandoned by a crashed
    # instance and sent again with the same Message-ID.
    send_lease_seconds: float = Field(default=60.0, gt=0)

    # -- webhooks ---------------------------------------------------------------------------
    allow_private_webhook_urls: bool = False
    # Encrypts the webhook signing secrets at rest: a Fernet key (32 bytes, url-safe base64;
    # `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
    webhook_secret_key: SecretStr = SecretStr(DEVELOPMENT_WEBHOOK_SECRET_KEY)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_delay_seconds: float = Field(default=4 * 3600.0, gt=0)
    webhook_retry_window_seconds: float = Field(default=24 * 3600.0, gt=0, le=24 * 3600.0)
    webhook_pause_after_failures: int = Field(default=20, ge=1)
    webhook_concurrency: int = Field(default=8, ge=1, le=64)

    # -- retention (docs/privacy.md) ---------------------------------------------------------
    # Mail-log records (with the address each mail went to) and webhook delivery records are
    # deleted this long after they were created; webhook bodies (copies of events) sooner.
    delivery_log_retention: timedelta = Field(default=timedelta(days=180), gt=timedelta(0))
    webhook_body_retention: timedelta = Field(default=timedelta(days=7), ge=timedelta(days=1))
    retention_interval_seconds: float = Field(default=3600.0, gt=0)

    # Background loops (reminders, webhook dispatch, retention); off for an instance that only serves HTTP.
    run_schedulers: bool = True

    def network_profile(self, network_id: str | None) -> NetworkProfile:
        if network_id and network_id in self.networks:
            return self.networks[network_id]
        return NetworkProfile(language=self.default_language, time_zone=self.default_time_zone)

    @model_validator(mode="after")
    def _refuse_unsafe_webhook_targets_in_production(self) -> "NotificationsSettings":
        if self.environment == "production" and self.allow_private_webhook_urls:
            raise ValueError("allow_private_webhook_urls is for local development; it is refused in production")
        if self.environment == "production" and self.enrollment_client_key is None and \
                self.enrollment_client_secret.get_secret_value() == DEVELOPMENT_CLIENT_SECRET:
            raise ValueError("enrollment_client_secret is the development issuer's; set the real client's secret")
        if self.environment == "production" and \
                self.webhook_secret_key.get_secret_value() == DEVELOPMENT_WEBHOOK_SECRET_KEY:
            raise ValueError("webhook_secret_key is the published development key; generate one for production")
        if self.environment == "production":
            # The local stack's defaults: the SMTP sink, enrollment on loopback, a sender nobody can answer.
            for name in ("smtp_host", "smtp_sender", "enrollment_url"):
                if getattr(self, name) == type(self).model_fields[name].default:
                    raise ValueError(f"{name} is the local development default; set it for production")
        return self

    @model_validator(mode="after")
    def _webhook_secret_key_is_a_key(self) -> "NotificationsSettings":
        from cryptography.fernet import Fernet

        try:
            Fernet(self.webhook_secret_key.get_secret_value().encode())
        except ValueError as exc:
            raise ValueError("webhook_secret_key must be a Fernet key: 32 bytes in url-safe base64") from exc
        return self
