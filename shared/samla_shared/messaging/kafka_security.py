"""How a service authenticates to Kafka: SASL/SCRAM on the local stack, in compose and production;
nothing on the tests' own broker.

The broker's ACLs (see infra/compose/kafka-acls.sh and docs/privacy.md) let each service's
principal write only its own topic and the dead-letter topics of what it consumes, and
read only what it consumes; credentials come from the environment, never the repository.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from pydantic import SecretStr


class KafkaClientSettings(Protocol):
    """What these helpers read: a service's settings, or a Kafka-only process's (the network router)."""

    kafka_security_protocol: str
    kafka_sasl_mechanism: str
    kafka_sasl_username: str | None
    kafka_sasl_password: SecretStr | None


_SCRAM = {"SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def broker_security(settings: KafkaClientSettings) -> BaseSecurity | None:
    """The FastStream security object for the service's broker (None: plaintext, no authentication)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    use_ssl = settings.kafka_security_protocol == "SASL_SSL"
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    return _SCRAM[settings.kafka_sasl_mechanism](
        settings.kafka_sasl_username or "", password, use_ssl=use_ssl,
        ssl_context=ssl.create_default_context() if use_ssl else None)


def client_options(settings: KafkaClientSettings) -> dict[str, Any]:
    """The same, as keyword arguments of aiokafka's own clients (admin client, consumers used for probes)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {
        "security_protocol": settings.kafka_security_protocol, "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_sasl_username,
        "sasl_plain_password": settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None,
    }
    if settings.kafka_security_protocol == "SASL_SSL":
        options["ssl_context"] = ssl.create_default_context()
    return options
