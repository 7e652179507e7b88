"""Settings name their environment; production refuses the development issuer, plain-HTTP issuers,
a wildcard CORS origin, Kafka without SASL_SSL and MongoDB without authentication and TLS."""

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


SECURE = {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "enrollment",
          "kafka_sasl_password": "s3cret", "mongo_url": "mongodb://enrollment:s3cret@db.example.no:27017/?tls=true"}


def test_production_settings_accept_a_real_identity_provider():
    settings = ServiceSettings(**PRODUCTION, **KEYCLOAK, **SECURE, cors_origins=["https://samla.example.no"])
    assert settings.auth_issuer == KEYCLOAK["auth_issuer"]


def test_the_environment_must_be_named(monkeypatch):
    monkeypatch.delenv("SAMLA_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="environment"):
        ServiceSettings(mongo_database="samla")
    monkeypatch.setenv("SAMLA_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="development issuer"):
        ServiceSettings(mongo_database="samla", deployment="vest")


@pytest.mark.parametrize(("change", "complaint"), [
    ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "SASL_SSL"),
    ({"kafka_security_protocol": "PLAINTEXT"}, "SASL_SSL"),
    ({"mongo_url": "mongodb://enrollment:s3cret@db.example.no:27017/"}, "TLS"),
    ({"mongo_url": "mongodb://db.example.no:27017/?tls=true"}, "authenticated"),
])
def test_production_settings_refuse_unencrypted_or_anonymous_connections(change, complaint):
    with pytest.raises(ValidationError, match=complaint):
        ServiceSettings(**PRODUCTION, **KEYCLOAK, **{**SECURE, **change})


def test_each_service_has_its_own_audience():
    from samla_enrollment.settings import EnrollmentSettings
    from samla_sessions.settings import SessionsSettings

    assert EnrollmentSettings(environment="test").auth_audience == "samla-enrollment"
    assert SessionsSettings(environment="test").auth_audience == "samla-sessions"


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_settings_accept_the_development_issuer(environment):
    settings = ServiceSettings(environment=environment, mongo_database="samla")
    assert "/dev-issuer" in settings.auth_jwks_url


async def test_a_production_service_sends_hsts():
    import httpx

    from samla_enrollment.entrypoints.app import create_app
    from samla_enrollment.settings import EnrollmentSettings

    app = create_app(EnrollmentSettings(**PRODUCTION, **KEYCLOAK, **SECURE))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://enrollment") as client:
        response = await client.get("/health/live")  # no connection needed: the app is not started
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("environment", [None, "production", "prod"])
def test_the_development_issuer_starts_only_where_the_environment_says_development_or_test(environment, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "infra/local/dev_issuer.py"
    env = {k: v for k, v in os.environ.items() if k != "SAMLA_ENVIRONMENT"}
    if environment is not None:
        env["SAMLA_ENVIRONMENT"] = environment
    finished = subprocess.run([sys.executable, str(script), "--port", "1", "--state", str(tmp_path)], env=env,
                              capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert "SAMLA_ENVIRONMENT is development or test" in finished.stderr
