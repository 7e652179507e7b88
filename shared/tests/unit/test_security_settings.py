"""Settings refuse the development issuer, plain-HTTP issuers and a wildcard CORS origin in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from samla_shared.settings import ServiceSettings

PRODUCTION = {"environment": "production", "deployment": "vest", "mongo_database": "samla"}
KEYCLOAK = {"auth_issuer": "https://login.example.no/realms/samla",
            "auth_jwks_url": "https://login.example.no/realms/samla/protocol/openid-connect/certs"}


def test_production_settings_refuse_the_development_issuer():
    with pytest.raises(ValidationError, match="development issuer"):
        ServiceSettings(**PRODUCTION)  # the defaults name the local development issuer
    with pytest.raises(ValidationError, match="development issuer"):
        ServiceSettings(**PRODUCTION, auth_issuer="https://samla.example.no/dev-issuer",
                        auth_jwks_url="https://samla.example.no/dev-issuer/jwks.json")


def test_production_settings_refuse_an_issuer_without_https():
    with pytest.raises(ValidationError, match="https"):
        ServiceSettings(**PRODUCTION, auth_issuer="http://login.example.no/realms/samla",
                        auth_jwks_url=KEYCLOAK["auth_jwks_url"])


def test_production_settings_refuse_any_origin():
    with pytest.raises(ValidationError, match="cors_origins"):
        ServiceSettings(**PRODUCTION, **KEYCLOAK, cors_origins=["*"])


def test_production_settings_accept_a_real_identity_provider():
    settings = ServiceSettings(**PRODUCTION, **KEYCLOAK, cors_origins=["https://samla.example.no"])
    assert settings.auth_issuer == KEYCLOAK["auth_issuer"]


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_settings_accept_the_development_issuer(environment):
    settings = ServiceSettings(environment=environment, mongo_database="samla")
    assert "/dev-issuer" in settings.auth_jwks_url
