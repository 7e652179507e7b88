"""Settings of the sessions service, read from SESSIONS_* environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from samla_shared.settings import ServiceSettings

DEVELOPMENT_CLIENT_SECRET = "dev-sessions-secret"  # infra/local/dev_issuer.py registers it


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"
    mongo_database: str = "samla_sessions"

    # -- names on printed documents -----------------------------------------------------------
    # Attendance sheets, exports and certificates print names, which live in enrollment;
    # sessions reads them at print time (adapters/people.py) with short-lived client-credentials
    # tokens (role contact_reader, enrollment's audience) from the identity provider. The
    # defaults are the development issuer's registration, refused in production.
    enrollment_url: str = "http://127.0.0.1:8001"
    enrollment_client_id: str = "samla-sessions"
    enrollment_client_secret: SecretStr = SecretStr(DEVELOPMENT_CLIENT_SECRET)
    # Or, where the provider requires private_key_jwt (HelseID): the client's private key (PEM),
    # used instead of the secret, and the key id it is registered under (default: its thumbprint).
    enrollment_client_key: SecretStr | None = None
    enrollment_client_key_id: str | None = None
    enrollment_audience: str = "samla-enrollment"
    # Certificates name the curriculum's methods from measures' toolbox (adapters/toolbox.py), with
    # the same client's tokens for measures' audience (role catalogue_reader there).
    measures_url: str = "http://127.0.0.1:8003"
    measures_audience: str = "samla-measures"
    # The provider's token endpoint; by default the one its discovery document names.
    auth_client_credentials_url: str | None = None
    people_timeout_seconds: float = Field(default=5.0, gt=0)

    # -- calendar subscriptions ---------------------------------------------------------------
    # The address calendar applications reach this service at, for the secret feed URLs it hands out.
    public_url: str = "http://127.0.0.1:8002"

    @model_validator(mode="after")
    def _refuse_the_development_client_in_production(self) -> "SessionsSettings":
        if self.environment == "production" and self.enrollment_client_key is None and \
                self.enrollment_client_secret.get_secret_value() == DEVELOPMENT_CLIENT_SECRET:
            raise ValueError("enrollment_client_secret is the development issuer's; set the real client's secret")
        return self
