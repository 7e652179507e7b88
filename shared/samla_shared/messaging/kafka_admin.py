"""Small Kafka look-ups shared by the runtime's lag metric and the tools."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def topic_partitions(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    """The partitions of `topic` as the cluster describes them (empty if it does not exist).

    An aiokafka consumer only learns partitions of topics it subscribed to, so the admin
    client's description is the dependable source.
    """
    [description] = await admin.describe_topics([topic])
    if description.get("error_code"):
        return []
    return [TopicPartition(topic, p["partition"]) for p in sorted(description["partitions"], key=lambda p: p["partition"])]
