"""A service authenticates to Kafka with its own SCRAM principal when told to, and never without credentials."""

from __future__ import annotations

import pytest
from faststream.security import SASLScram512
from pydantic import ValidationError

from samla_shared.messaging.kafka_security import broker_security, client_options
from samla_shared.settings import ServiceSettings


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(mongo_database="x", **values)


def test_the_local_stack_stays_plaintext_without_credentials():
    local = settings()
    assert local.kafka_security_protocol == "PLAINTEXT"
    assert broker_security(local) is None and client_options(local) == {}


def test_sasl_uses_the_services_principal_for_the_broker_and_its_own_clients():
    configured = settings(kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_username="sessions",
                          kafka_sasl_password="from-the-environment")
    security = broker_security(configured)
    assert isinstance(security, SASLScram512) and security.username == "sessions" and not security.use_ssl
    assert client_options(configured) == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "sessions", "sasl_plain_password": "from-the-environment"}
    assert "from-the-environment" not in repr(configured)  # a SecretStr: never in logs


def test_sasl_without_a_password_is_refused_at_start():
    with pytest.raises(ValidationError, match="needs kafka_sasl_username and kafka_sasl_password"):
        settings(kafka_security_protocol="SASL_SSL", kafka_sasl_username="sessions")
