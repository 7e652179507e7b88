"""Principals, passwords and ACLs of a local SASL broker, the same as compose's.

A SASL broker of the local stack (infra/kafka/server-sasl.properties) keeps random
passwords for its principals in its state folder (kafka-<port>/credentials.json, readable
by its owner only): the admin, the broker and the controller themselves, each service, the
network router. Their SCRAM credentials are written when the storage is formatted (KRaft
keeps them in the cluster metadata); the ACLs are the `allow` lines of compose's scripts
(infra/compose/kafka-acls.sh, kafka-integrator.sh), applied with the admin's principal, so
the local stack and compose grant exactly the same.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ACL_SCRIPT = ROOT / "infra/compose/kafka-acls.sh"
INTEGRATOR_SCRIPT = ROOT / "infra/compose/kafka-integrator.sh"
MECHANISM = "SCRAM-SHA-512"
# SCRAM principals, bootstrapped with the storage; the controller's is PLAIN, in the broker's configuration.
SCRAM_PRINCIPALS = ("admin", "broker", "enrollment", "sessions", "measures", "notifications", "network-router")
CONTROLLER = "controller"

# Kafka's wire codes (org.apache.kafka.common.acl / resource).
_RESOURCE = {"topic": 2, "group": 3}
_PATTERN = {"literal": 3, "prefixed": 4}
_OPERATION = {"Read": 3, "Write": 4, "Create": 5, "Describe": 8}
_ALLOW = 3

Acl = tuple[str, str, str, str, str]  # principal, operation, resource type, name, pattern type


def new_credentials() -> dict[str, str]:
    return {name: secrets.token_hex(16) for name in (*SCRAM_PRINCIPALS, CONTROLLER)}


def saved_credentials(home: Path) -> dict[str, str] | None:
    """The passwords kept in a broker's state folder, or None when it has none (yet)."""
    path = home / "credentials.json"
    return json.loads(path.read_text()) if path.exists() else None


def save_credentials(home: Path, passwords: dict[str, str]) -> None:
    """Keep the passwords, readable by their owner only; written whole or not at all."""
    home.mkdir(parents=True, exist_ok=True)
    pending = home / "credentials.json.pending"
    pending.unlink(missing_ok=True)
    fd = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(passwords, file)
    pending.replace(home / "credentials.json")


def credentials(home: Path) -> dict[str, str]:
    """The broker's principals and their passwords, made once per state folder."""
    if (saved := saved_credentials(home)) is not None:
        return saved
    made = new_credentials()
    save_credentials(home, made)
    return made


def client_options(home: Path, principal: str) -> dict[str, Any]:
    """aiokafka keyword arguments to connect as `principal`."""
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": MECHANISM,
            "sasl_plain_username": principal, "sasl_plain_password": credentials(home)[principal]}


def service_environment(home: Path, prefix: str, principal: str) -> dict[str, str]:
    """A service's (or the router's) <PREFIX>_KAFKA_* settings for this broker."""
    return {f"{prefix}_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", f"{prefix}_KAFKA_SASL_MECHANISM": MECHANISM,
            f"{prefix}_KAFKA_SASL_USERNAME": principal, f"{prefix}_KAFKA_SASL_PASSWORD": credentials(home)[principal]}


def admin_properties(home: Path) -> Path:
    """A Kafka command-line client configuration for the admin (the tools take a file)."""
    path = home / "admin.properties"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism={MECHANISM}\n"
                       "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                       f'username="admin" password="{credentials(home)["admin"]}";\n')
    return path


def granted(script: str) -> list[Acl]:
    """The `allow PRINCIPAL OPERATION topic|group NAME [prefixed]` lines of a compose script."""
    found = []
    for line in script.splitlines():
        parts = line.split()
        if parts[:1] == ["allow"]:
            principal, operation, kind, name, *pattern = parts[1:]
            found.append((principal, operation, kind, name, pattern[0] if pattern else "literal"))
    return found


def integrator_acls(network: str) -> list[Acl]:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", network):
        raise ValueError(f"network id {network!r} cannot be part of a topic name")
    return granted(INTEGRATOR_SCRIPT.read_text().replace("$NETWORK", network))


async def apply_acls(bootstrap: str, home: Path, acls: list[Acl]) -> None:
    """Create the ACLs as the admin; creating an existing one changes nothing."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.protocol.admin import CreateAclsRequest

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000,
                                **client_options(home, "admin"))
    await admin.start()
    try:
        for principal, operation, kind, name, pattern in acls:
            response = await admin._send_request(CreateAclsRequest(
                _RESOURCE[kind], name, _PATTERN[pattern], f"User:{principal}", "*", _OPERATION[operation], _ALLOW))
            for error_code, message in response.creation_responses:
                if error_code:
                    raise RuntimeError(f"ACL {principal} {operation} {kind} {name}: error {error_code} {message}")
    finally:
        await admin.close()
