"""National mode: a second Kafka connection, to the national cluster, feeding the national view.

The service's own broker stays on its regional cluster (its outbox, its consumers); this
one only reads the topics MirrorMaker 2 replicated from every region, by pattern, so a new
region is picked up without a configuration change once its topics appear. Like the
runtime, it connects in the background and keeps retrying, so a national cluster that is
down delays the national view and nothing else.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from samla_shared.messaging.consumer import subscribe_pattern
from samla_shared.service_runtime import start_until_connected
from samla_measures.service_layer.national_view import REPLICATED_TOPICS, NationalView
from samla_measures.settings import MeasuresSettings

log = logging.getLogger("samla.measures.national")

# Records of any region's replicated topic that cannot be applied. One topic on the national
# cluster, not `<region>.samla.<context>.v1.dlq`: that name belongs to MirrorMaker's naming
# of a remote topic, and the national consumer, not the region, owns these records. Their
# `dlq_original_topic` header names the replicated topic, and so the region.
NATIONAL_DEAD_LETTERS = "samla.national.dlq"
DEAD_LETTER_RETENTION_MS = 90 * 24 * 3600 * 1000


class NationalFeed:
    def __init__(self, settings: MeasuresSettings, view: NationalView) -> None:
        assert settings.national_kafka_bootstrap_servers, "national mode needs the national cluster's address"
        self.bootstrap = settings.national_kafka_bootstrap_servers
        self.broker = KafkaBroker(
            self.bootstrap, acks="all", client_id=f"samla-{settings.service_name}-national",
            request_timeout_ms=15000, metadata_max_age_ms=int(settings.national_topic_discovery_seconds * 1000),
            logger=logging.getLogger("samla.measures.national.kafka"),
            log_level=logging.DEBUG,
        )
        self.subscriber = subscribe_pattern(
            self.broker, pattern=REPLICATED_TOPICS,
            group_id=settings.national_consumer_group or f"samla-{settings.service_name}-national",
            service=settings.service_name, dispatch=view.apply, dead_letters_to=NATIONAL_DEAD_LETTERS,
            description="national view of every region: " + ", ".join(view.handled_types()),
            # A new national view is built from the whole replicated history.
            offset_reset="earliest",
        )
        self.connected = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="national-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.connected:
            await self.broker.stop()

    async def _connect(self) -> None:
        await start_until_connected(self.broker, "national cluster", prepare=self._ensure_dead_letter_topic)
        self.connected = True

    async def _ensure_dead_letter_topic(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
        await admin.start()
        try:
            if NATIONAL_DEAD_LETTERS not in await admin.list_topics():
                try:
                    # Three copies where the cluster has the brokers for it (a managed one), else one each.
                    brokers = len((await admin.describe_cluster())["brokers"])
                    await admin.create_topics([NewTopic(NATIONAL_DEAD_LETTERS, 1, min(3, brokers), topic_configs={
                        "retention.ms": str(DEAD_LETTER_RETENTION_MS)})])
                except TopicAlreadyExistsError:
                    pass
        finally:
            await admin.close()

    async def readiness(self) -> list[str]:
        # No replicated topic yet is not a fault: a region that has not mirrored anything yet.
        return [] if self.connected else ["national kafka: not connected"]
