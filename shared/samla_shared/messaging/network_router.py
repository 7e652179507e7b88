"""Copies every event of the contexts' topics to topics of its network's own, for integrators.

Kafka ACLs allow or deny a whole topic: they cannot filter the records within one. The
contexts' topics (samla.enrollment.v1, …) carry every network's events, so an integrator
allowed to read them would read every network's. The router gives each network topics of
its own, `samla.net.<network>.<context>.v1`, and an integrator's principal is allowed to
read only its network's three (literal ACLs, see infra/compose/kafka-acls.sh
`integrator_for`). One router serves any number of networks: a network's topics are
created when its first event passes, and a new integrator needs a principal and four ACLs
(its three topics, its group prefix), no restart.

Delivery is at least once, through the services' consumer plumbing: the source offset is
committed only after the copy was acknowledged by all replicas (idempotent producer, acks
all); a crash copies a record again, with the same `ce_id`, which integrators already treat
as a duplicate. The copy keeps the source's key, so each aggregate's order holds.

Run it with `python -m samla_shared.messaging.network_router` (NETWORK_ROUTER_* settings).
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from typing import Literal

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from faststream.kafka import KafkaBroker
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from samla_shared.contract.cloudevents import CloudEvent, InvalidEvent
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC, dead_letter_topic
from samla_shared.messaging.consumer import Delivery, subscribe_pattern
from samla_shared.messaging.kafka_security import broker_security, client_options

log = logging.getLogger("samla.network_router")

SOURCE_TOPICS = (ENROLLMENT_TOPIC, SESSIONS_TOPIC, MEASURES_TOPIC)
NETWORK_TOPIC_PREFIX = "samla.net."
# Network ids may contain ':', which Kafka topic names may not; such a network's records
# are dead-lettered with the reason rather than copied under a name another network could own.
_TOPIC_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def network_topic(network_id: str, source_topic: str) -> str:
    """`samla.net.<network>.<context>.v1` for a record of `samla.<context>.v1`."""
    if not _TOPIC_SAFE.fullmatch(network_id):
        raise InvalidEvent(f"network id {network_id!r} cannot be part of a Kafka topic name")
    return NETWORK_TOPIC_PREFIX + network_id + "." + source_topic.removeprefix("samla.")


def network_topics(network_id: str) -> list[str]:
    return [network_topic(network_id, topic) for topic in SOURCE_TOPICS]


class RouterSettings(BaseSettings):
    """The router touches only Kafka: its own principal, allowed to read the contexts' topics
    and to create and write `samla.net.*` (infra/compose/kafka-acls.sh)."""

    model_config = SettingsConfigDict(env_prefix="NETWORK_ROUTER_", extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    consumer_group: str = "samla-network-router"
    # Like the contexts' topics (infra/topics.yaml): same partitions, same retention.
    partitions: int = 6
    retention_ms: int = 2_592_000_000
    replication_factor: int = 1

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> "RouterSettings":
        if self.kafka_security_protocol != "PLAINTEXT" and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("a SASL protocol needs kafka_sasl_username and kafka_sasl_password")
        return self


class NetworkRouter:
    def __init__(self, settings: RouterSettings) -> None:
        self.settings = settings
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers, security=broker_security(settings), acks="all",
            enable_idempotence=True, client_id="samla-network-router", allow_auto_create_topics=False,
            request_timeout_ms=15000, logger=log, log_level=logging.DEBUG,
        )
        self._created: set[str] = set()
        self._admin: AIOKafkaAdminClient | None = None
        for topic in SOURCE_TOPICS:
            subscribe_pattern(
                self.broker, pattern=f"^{re.escape(topic)}$", group_id=settings.consumer_group,
                service="network-router", dispatch=self.copy, dead_letters_to=dead_letter_topic(topic),
                description=f"copies each event of {topic} to its network's samla.net.<network> topic",
            )

    async def copy(self, event: CloudEvent, delivery: Delivery) -> bool:
        target = network_topic(event.data.network_id, delivery.topic)
        await self._ensure_topics(event.data.network_id)
        await self.broker.publish(event.value(), target, key=event.subject.encode(), headers=event.headers())
        return True

    async def _ensure_topics(self, network_id: str) -> None:
        """All three of the network's topics at once: an integrator subscribes to the three together."""
        if network_id in self._created:
            return
        if self._admin is None:
            self._admin = AIOKafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap_servers,
                                              request_timeout_ms=15000, **client_options(self.settings))
            await self._admin.start()
        existing = set(await self._admin.list_topics())
        missing = [topic for topic in network_topics(network_id) if topic not in existing]
        if missing:
            response = await self._admin.create_topics([NewTopic(
                topic, num_partitions=self.settings.partitions, replication_factor=self.settings.replication_factor,
                topic_configs={"retention.ms": str(self.settings.retention_ms)}) for topic in missing])
            for topic, code, *_ in response.topic_errors:
                # Another router instance may have been quicker; anything else (no Create ACL) is
                # raised as a Kafka error, which the consumer retries: the record waits, it is not lost.
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise for_code(code)(f"cannot create {topic}")
            log.info("created %s", ", ".join(missing))
        self._created.add(network_id)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        if self._admin is not None:
            await self._admin.close()


async def run() -> None:
    router = NetworkRouter(RouterSettings())
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await router.start()
    log.info("routing %s to per-network topics", ", ".join(SOURCE_TOPICS))
    await stopping.wait()
    await router.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run())
