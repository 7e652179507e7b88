"""Create the topics declared in infra/topics.yaml (and their .dlq siblings) if they are missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


def declared_topics(definition: Path) -> list[NewTopic]:
    spec = yaml.safe_load(definition.read_text())
    defaults, dlq = spec["defaults"], spec["dlq"]
    topics = []
    for topic in spec["topics"]:
        partitions = topic.get("partitions", defaults["partitions"])
        retention = topic.get("retention_ms", defaults["retention_ms"])
        topics.append(NewTopic(topic["name"], partitions, 1, topic_configs={"retention.ms": str(retention)}))
        topics.append(NewTopic(f"{topic['name']}.dlq", dlq["partitions"], 1,
                               topic_configs={"retention.ms": str(dlq["retention_ms"])}))
    return topics


async def ensure_topics(bootstrap: str, definition: Path, **client_options: Any) -> list[str]:
    """`client_options`: aiokafka's SASL settings for a broker that wants them (the admin's)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in declared_topics(definition) if t.name not in existing]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
