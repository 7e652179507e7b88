"""The broker `make up` runs requires SASL by default: no local process publishes without a
principal, each service signs in as its own and may write only its own topic, and the ops
tool signs in as the local stack's admin by itself.

`sasl_broker` is `infra/local/stack.py start kafka` with stack.py's defaults (no
SAMLA_KAFKA_SASL), on a port and state folder of its own. The last test takes a broker
formatted plaintext (as every local stack was before SASL became the default) through the
same default start: its records stay, and it no longer takes anonymous clients.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.topics import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.messaging.kafka_security import client_options
from tests.federation.federation_stack import kafka_lib
from tests.kafka_security.conftest import ROOT, SaslBroker
from tests.support.kafka import open_producer, read_records

# A second broker of these tests, for the upgrade of a plaintext one (controller on the next port).
UPGRADE_PORT = int(os.environ.get("SAMLA_KAFKA_SECURITY_UPGRADE_PORT", "29496"))
UPGRADE_STATE = Path(os.environ.get("SAMLA_KAFKA_SECURITY_UPGRADE_STATE", "/tmp/samla-kafka-security-upgrade"))


def forged_erasure() -> CloudEvent:
    # A network of its own: the network router of test_network_isolation copies it to no integrator's topics.
    return CloudEvent(data=ParticipantErased(network_id=f"default-{uuid.uuid4().hex[:8]}",
                                             participant_id=uuid.uuid4().hex, erasure_id=uuid.uuid4().hex,
                                             erased_at=datetime.now(UTC)),
                      source="/samla/local/enrollment")


async def refuses_anonymous(bootstrap: str) -> None:
    anonymous = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await anonymous.start()
    await anonymous.stop()


async def records_of(bootstrap: str, topic: str, options: dict) -> list[bytes]:
    """Every record's value on `topic`, read from the start without a group, signed in with `options`."""
    return [record.value for record in await read_records(bootstrap, topic, request_timeout_ms=15000, **options)]


def service_environment(broker: SaslBroker, service: str) -> dict[str, str]:
    """The environment `make up` starts `service` with (stack.py's own, for this broker)."""
    code = ("import json, sys; sys.path.insert(0, 'infra/local'); import stack; "
            f"print(json.dumps(stack.COMPONENTS[{service!r}].env()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=broker.env(), check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def test_the_default_broker_refuses_a_client_without_credentials(sasl_broker):
    await refuses_anonymous(sasl_broker.bootstrap)


async def test_enrollment_signs_in_as_its_own_principal_and_writes_its_own_topic_only(sasl_broker, monkeypatch):
    from samla_enrollment.settings import EnrollmentSettings

    environment = service_environment(sasl_broker, "enrollment")
    assert environment["ENROLLMENT_KAFKA_BOOTSTRAP_SERVERS"] == sasl_broker.bootstrap
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = EnrollmentSettings()
    assert settings.kafka_sasl_username == "enrollment"

    event = forged_erasure()
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                request_timeout_ms=10000, **client_options(settings))
    await producer.start()
    try:
        await producer.send_and_wait(ENROLLMENT_TOPIC, event.value(), key=event.subject.encode(),
                                     headers=[(k, v.encode()) for k, v in event.headers().items()])
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(SESSIONS_TOPIC, event.value(), key=event.subject.encode())
    finally:
        await producer.stop()
    assert event.value() in await records_of(sasl_broker.bootstrap, ENROLLMENT_TOPIC, sasl_broker.options("admin"))


def ops_lag(broker: SaslBroker, *, stack_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMLA_OPS_KAFKA_")}
    env["SAMLA_STACK_DIR"] = str(stack_dir)
    return subprocess.run([sys.executable, "-m", "samla_ops", "--kafka", broker.bootstrap, "--json", "lag", "--all"],
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_ops_tool_signs_in_to_the_local_stack_by_itself(sasl_broker, tmp_path):
    answered = ops_lag(sasl_broker, stack_dir=sasl_broker.state)
    assert answered.returncode == 0, answered.stderr
    assert isinstance(json.loads(answered.stdout), list)
    # Pointed at a stack folder that holds no passwords for this broker, it gets no answer.
    assert ops_lag(sasl_broker, stack_dir=tmp_path).returncode != 0


def upgrade_env(sasl: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SAMLA_KAFKA_SASL"}
    env.update({"SAMLA_STACK_DIR": str(UPGRADE_STATE), "SAMLA_KAFKA_PORT": str(UPGRADE_PORT),
                "SAMLA_KAFKA_LIB": str(kafka_lib(UPGRADE_STATE))})
    if sasl is not None:
        env["SAMLA_KAFKA_SASL"] = sasl
    return env


def upgrade_stack(*args: str, sasl: str | None, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), *args], env=upgrade_env(sasl),
                          check=check, capture_output=True, text=True)


async def test_a_broker_formatted_plaintext_keeps_its_records_and_requires_sasl_after_the_default_start():
    if UPGRADE_STATE.exists():
        upgrade_stack("stop", "kafka", sasl="0", check=False)
    shutil.rmtree(UPGRADE_STATE, ignore_errors=True)
    bootstrap = f"127.0.0.1:{UPGRADE_PORT}"
    upgrade_stack("start", "kafka", sasl="0")
    try:
        before = forged_erasure()
        async with open_producer(bootstrap) as producer:
            await producer.send_and_wait(ENROLLMENT_TOPIC, before.value(), key=before.subject.encode())

        # Still running plaintext: the default start refuses to use it as it is, and says what to do.
        refused = upgrade_stack("start", "kafka", sasl=None, check=False)
        assert refused.returncode != 0
        assert "make down && make up" in refused.stderr

        upgrade_stack("stop", "kafka", sasl="0")
        upgrade_stack("start", "kafka", sasl=None)
        await refuses_anonymous(bootstrap)
        home = UPGRADE_STATE / f"kafka-{UPGRADE_PORT}"
        sys.path.insert(0, str(ROOT / "infra/local"))
        import kafka_auth

        assert before.value() in await records_of(bootstrap, ENROLLMENT_TOPIC, kafka_auth.client_options(home, "admin"))
        # And the services' principals and ACLs came with it: sessions may not write enrollment's topic.
        sessions = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=10000,
                                    **kafka_auth.client_options(home, "sessions"))
        await sessions.start()
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                await sessions.send_and_wait(ENROLLMENT_TOPIC, before.value(), key=before.subject.encode())
        finally:
            await sessions.stop()
    finally:
        upgrade_stack("stop", "kafka", sasl=None, check=False)
        shutil.rmtree(UPGRADE_STATE, ignore_errors=True)
