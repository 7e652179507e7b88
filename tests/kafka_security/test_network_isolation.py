"""On a broker that authenticates and authorises like compose's, an integrator reads its own
network's events and nothing else, and nobody without credentials can publish an event.

The network router copies each event of the contexts' topics to its network's topics
(samla.net.<network>.<context>.v1); each integrator principal may read only its network's.
Networks `vest` and `vest.land` are chosen so that one id is a prefix of the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, KafkaConnectionError, TopicAuthorizationFailedError

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.directory import NetworkRegistered
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.topics import ENROLLMENT_TOPIC
from samla_shared.messaging.network_router import NetworkRouter, RouterSettings, network_topic
from tests.kafka_security.conftest import SaslBroker
from tests.support.kafka import event_headers, open_producer

A, B = "vest", "vest.land"


def registered(network: str) -> CloudEvent:
    return CloudEvent(data=NetworkRegistered(network_id=network, name=f"Nettverk {network}", country="NO",
                                             default_language="nb", time_zone="Europe/Oslo"),
                      source="/samla/local/enrollment")


async def publish(broker: SaslBroker, principal: str, event: CloudEvent) -> None:
    async with open_producer(broker.bootstrap, **broker.options(principal)) as producer:
        await producer.send_and_wait(event.topic, event.value(), key=event.subject.encode(),
                                     headers=event_headers(event))


async def read_all(broker: SaslBroker, topic: str, *, user: str, password: str, group: str,
                   until: int = 1) -> list[CloudEvent]:
    """Read `topic` from the start as the integrator `user` until `until` records came (or raise)."""
    from samla_shared.contract.cloudevents import decode_headers, parse_record

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=broker.bootstrap, group_id=group, auto_offset_reset="earliest",
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=15000)
    try:
        await consumer.start()
        found: list[CloudEvent] = []
        for _ in range(60):
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                found += [parse_record(decode_headers(r.headers), r.value) for r in records]
            if len(found) >= until:
                return found
        return found
    finally:
        await consumer.stop()


@pytest.fixture(scope="module")
async def routed(sasl_broker: SaslBroker) -> AsyncIterator[dict[str, str]]:
    """The router running, one integrator per network, and one event of each network published."""
    passwords = {A: uuid.uuid4().hex, B: uuid.uuid4().hex}
    principals = {network: sasl_broker.add_integrator(network, password) for network, password in passwords.items()}
    assert principals == {A: f"integrator-{A}", B: f"integrator-{B}"}
    credentials = sasl_broker.options("network-router")
    router = NetworkRouter(RouterSettings(
        kafka_bootstrap_servers=sasl_broker.bootstrap, kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username=credentials["sasl_plain_username"],
        kafka_sasl_password=credentials["sasl_plain_password"]))
    await router.start()
    try:
        for network in (A, B):
            await publish(sasl_broker, "enrollment", registered(network))
        yield passwords
    finally:
        await router.stop()


async def test_an_integrator_reads_its_own_networks_events_only(sasl_broker, routed):
    mine = await read_all(sasl_broker, network_topic(A, ENROLLMENT_TOPIC), user=f"integrator-{A}",
                          password=routed[A], group=f"integrator/{A}/erp")
    assert [(e.type, e.data.network_id, e.data.name) for e in mine] == [("NetworkRegistered", A, f"Nettverk {A}")]
    theirs = await read_all(sasl_broker, network_topic(B, ENROLLMENT_TOPIC), user=f"integrator-{B}",
                            password=routed[B], group=f"integrator/{B}/erp")
    assert [(e.type, e.data.network_id) for e in theirs] == [("NetworkRegistered", B)]
    # The copy keeps the original's id (integrators deduplicate on it) and its key.
    assert mine[0].subject == A


async def test_an_integrator_cannot_read_another_networks_topic_nor_the_shared_one(sasl_broker, routed):
    await read_all(sasl_broker, network_topic(B, ENROLLMENT_TOPIC), user=f"integrator-{B}", password=routed[B],
                   group=f"integrator/{B}/probe")  # B's topic exists and has B's record
    for topic in (network_topic(B, ENROLLMENT_TOPIC), ENROLLMENT_TOPIC):
        with pytest.raises(TopicAuthorizationFailedError):
            await read_all(sasl_broker, topic, user=f"integrator-{A}", password=routed[A], group=f"integrator/{A}/x")
    # Nor may it join another network's consumer groups.
    with pytest.raises(GroupAuthorizationFailedError):
        await read_all(sasl_broker, network_topic(A, ENROLLMENT_TOPIC), user=f"integrator-{A}", password=routed[A],
                       group=f"integrator/{B}/erp")


async def test_nobody_without_credentials_nor_an_integrator_can_forge_an_erasure(sasl_broker, routed):
    erased = CloudEvent(data=ParticipantErased(network_id=A, participant_id=uuid.uuid4().hex,
                                               erasure_id=uuid.uuid4().hex, erased_at=datetime.now(UTC)),
                        source="/samla/local/enrollment")
    anonymous = AIOKafkaProducer(bootstrap_servers=sasl_broker.bootstrap, request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await anonymous.start()
    await anonymous.stop()
    integrator = AIOKafkaProducer(bootstrap_servers=sasl_broker.bootstrap, security_protocol="SASL_PLAINTEXT",
                                  sasl_mechanism="SCRAM-SHA-512", sasl_plain_username=f"integrator-{A}",
                                  sasl_plain_password=routed[A], request_timeout_ms=10000)
    await integrator.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await integrator.send_and_wait(ENROLLMENT_TOPIC, erased.value(), key=erased.subject.encode())
    finally:
        await integrator.stop()


async def test_the_example_integrator_reads_its_network_as_its_own_principal(sasl_broker, routed):
    from examples.integrator import integrator_consumer as example

    received = await example.consume(
        sasl_broker.bootstrap, f"integrator/{A}/example", example.network_topics(A), offset_reset="earliest",
        limit=1, timeout_s=60, sasl=(f"integrator-{A}", routed[A]))
    assert [(e.event_type, e.data["network_id"]) for e in received] == [("NetworkRegistered", A)]


def ops(sasl_broker: SaslBroker, *args: str, principal: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMLA_OPS_KAFKA_")}
    if principal:
        options = sasl_broker.options(principal)
        env.update({"SAMLA_OPS_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                    "SAMLA_OPS_KAFKA_SASL_USERNAME": options["sasl_plain_username"],
                    "SAMLA_OPS_KAFKA_SASL_PASSWORD": options["sasl_plain_password"]})
    return subprocess.run([sys.executable, "-m", "samla_ops", "--kafka", sasl_broker.bootstrap, "--json", *args],
                          env=env, capture_output=True, text=True, timeout=120)


async def test_the_ops_tool_authenticates_from_its_environment(sasl_broker, routed, wait_until):
    async def router_caught_up() -> bool:
        answered = await asyncio.to_thread(ops, sasl_broker, "lag", "--group", "samla-network-router",
                                           principal="admin")
        assert answered.returncode == 0, answered.stderr
        rows = [row for row in json.loads(answered.stdout) if row["topic"] == ENROLLMENT_TOPIC]
        # Its two records at least (other tests of this broker publish on the topic too), and all caught up.
        return bool(rows) and sum(row["committed"] or 0 for row in rows) >= 2 and all(row["lag"] == 0 for row in rows)

    await wait_until(router_caught_up, timeout=60)
    refused = await asyncio.to_thread(ops, sasl_broker, "lag", "--group", "samla-network-router", principal=None)
    assert refused.returncode != 0
