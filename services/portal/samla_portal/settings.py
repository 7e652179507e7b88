"""Settings of the portal, read from PORTAL_* environment variables."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where infra/local/dev_issuer.py serves; production refuses it, like the services do.
DEVELOPMENT_ISSUER_PATH = "/dev-issuer"
# The development issuer's registration of the portal's client-credentials client; production refuses it.
DEVELOPMENT_CLIENT_SECRET = "dev-portal-secret"


class PortalSettings(BaseSettings):
    """The portal owns no database and no Kafka connection: it only calls the services' HTTP APIs."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    service_name: ClassVar[str] = "portal"

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    # Traces of page requests and of the API calls they make go here (OTLP over HTTP); none when unset.
    otlp_endpoint: str | None = None
    # The address people open; the OIDC redirect URI is built from it.
    public_url: str = "http://127.0.0.1:8000"

    # Times are shown in the deployment's wall-clock time (Europe/Copenhagen for a Danish region).
    time_zone: Literal["Europe/Oslo", "Europe/Copenhagen"] = "Europe/Oslo"

    # -- sign-in: an OpenID Connect provider, authorization code with PKCE --------------------
    oidc_issuer: str = "http://127.0.0.1:8090/dev-issuer"
    # Where the portal itself reaches the provider, when that differs from the address people's browsers
    # use (docker compose: the issuer's container); the issuer's own address otherwise.
    oidc_internal_url: str | None = None
    oidc_client_id: str = "samla-portal"
    # A confidential client also sends a secret (HelseID and ID-porten prefer private_key_jwt,
    # see the README); PKCE is used either way.
    oidc_client_secret: SecretStr | None = None
    # Or a private key (PEM, RSA) to sign client assertions with (private_key_jwt, RFC 7523), which
    # HelseID requires; used instead of the secret. The key id is the one registered at the provider.
    oidc_client_key: SecretStr | None = None
    oidc_client_key_id: str | None = None
    oidc_scope: str = "openid profile email"
    http_timeout_seconds: float = Field(default=10.0, gt=0)

    # -- the session cookie ----------------------------------------------------------------
    # Signs the session cookie. Development generates one per start (everyone signs in again
    # after a restart); production refuses to start without one.
    session_secret: SecretStr | None = None
    session_cookie: str = "samla_session"
    session_max_age_seconds: int = Field(default=8 * 3600, ge=300)
    # Secure cookies need https; only the local http run (make up) turns this off.
    cookie_secure: bool = True

    # -- the services' public APIs -----------------------------------------------------------
    enrollment_url: str = "http://127.0.0.1:8001"
    sessions_url: str = "http://127.0.0.1:8002"
    measures_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"

    # -- the public application form -----------------------------------------------------------
    # Signed-out visitors read the catalogue (a programme that takes applications without signing in,
    # its cohorts, its network's organisations and units) with the portal's own short-lived
    # client-credentials token: role catalogue_reader, enrollment's audience. The application itself
    # is sent without a token, as the visitor's, with their address in X-Forwarded-For for
    # enrollment's rate limit (enrollment must list the portal in its TRUSTED_PROXIES).
    enrollment_client_id: str = "samla-portal"
    enrollment_client_secret: SecretStr = SecretStr(DEVELOPMENT_CLIENT_SECRET)
    enrollment_audience: str = "samla-enrollment"
    # The provider's token endpoint; by default the one its discovery document names.
    auth_client_credentials_url: str | None = None

    @property
    def provider_url(self) -> str:
        """The provider's base address as the portal reaches it (discovery, token, keys)."""
        return (self.oidc_internal_url or self.oidc_issuer).rstrip("/")

    @model_validator(mode="after")
    def _refuse_local_defaults_in_production(self) -> "PortalSettings":
        if self.environment != "production":
            return self
        if self.session_secret is None or len(self.session_secret.get_secret_value()) < 32:
            raise ValueError("set PORTAL_SESSION_SECRET (at least 32 characters) in production")
        if not self.cookie_secure:
            raise ValueError("cookie_secure may be off only for the local http run, never in production")
        for name in ("oidc_issuer", "public_url"):
            url = urlsplit(getattr(self, name))
            if url.scheme != "https":
                raise ValueError(f"{name} must use https in production")
        if self.enrollment_client_secret.get_secret_value() == DEVELOPMENT_CLIENT_SECRET:
            raise ValueError("enrollment_client_secret is the development issuer's; set the real client's secret")
        if DEVELOPMENT_ISSUER_PATH in urlsplit(self.oidc_issuer).path:
            raise ValueError("oidc_issuer names the development issuer, which is refused in production")
        return self
