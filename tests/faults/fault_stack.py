"""The fault tests' own Kafka and FerretDB, and helpers to read what happened on them.

The shared stack on the default ports serves everybody's tests, so it is never touched
here: `infra/local/stack.py` starts a second one from its own state folder on other
ports (Kafka 19092/19093, FerretDB 27018, SMTP 1026), reusing the Kafka jars and the
FerretDB binary the first one already has. The services run in this process against it
(or as real uvicorn processes where a test kills one).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[2]
MAIN_STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
STATE = Path(os.environ.get("SAMLA_FAULT_STACK_DIR", "/tmp/samla-fault-stack"))
KAFKA_PORT = int(os.environ.get("SAMLA_FAULT_KAFKA_PORT", "19092"))
MONGO_PORT = int(os.environ.get("SAMLA_FAULT_MONGO_PORT", "27018"))
SMTP_PORT = int(os.environ.get("SAMLA_FAULT_SMTP_PORT", "1026"))


@dataclass
class FaultStack:
    """The fault tests' own servers, and the switches to stop and start them."""

    kafka: str = f"127.0.0.1:{KAFKA_PORT}"
    mongo: str = f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true"

    @staticmethod
    def env() -> dict[str, str]:
        # Plaintext, like the tests' own broker: a throwaway one on loopback (docs/security.md).
        env = {**os.environ, "SAMLA_STACK_DIR": str(STATE), "SAMLA_KAFKA_PORT": str(KAFKA_PORT),
               "SAMLA_MONGO_PORT": str(MONGO_PORT), "SAMLA_SMTP_PORT": str(SMTP_PORT), "SAMLA_KAFKA_SASL": "0"}
        # Share what the main stack already downloaded and built (no second Maven/Go run).
        if (MAIN_STATE / "kafka-lib/.resolved").exists():
            env.setdefault("SAMLA_KAFKA_LIB", str(MAIN_STATE / "kafka-lib"))
        if (MAIN_STATE / "bin/ferretdb").exists():
            env.setdefault("SAMLA_FERRETDB_BIN", str(MAIN_STATE / "bin/ferretdb"))
        return env

    def run(self, *args: str) -> None:
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), *args], env=self.env(), check=True,
                       stdout=sys.stderr)

    async def stop(self, name: str) -> None:
        await asyncio.to_thread(self.run, "stop", name)

    async def start(self, name: str) -> None:
        await asyncio.to_thread(self.run, "start", name)


async def drop_database(mongo_url: str, database: str) -> None:
    mongo: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=10000)
    try:
        await mongo.drop_database(database)
    finally:
        await mongo.close()


async def topic_records(bootstrap: str, topic: str, *, key: str | None = None) -> list[Any]:
    """Every record on `topic` (only those with `key`, if given), from the beginning."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    from samla_shared.messaging.kafka_admin import topic_partitions

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = await topic_partitions(admin, topic)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found = []
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                for record in (await consumer.getmany(tp, timeout_ms=2000)).get(tp, []):
                    if key is None or record.key == key.encode():
                        found.append(record)
        return found
    finally:
        await consumer.stop()


def header(record: Any, name: str) -> str | None:
    return next((v.decode() for k, v in record.headers or () if k == name), None)


async def start_group_at_end(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit the current end of `topics` for a new consumer group.

    A new group told to start at "latest" decides where "latest" is when it is assigned a
    partition, and again after each rebalance while it has committed nothing there: a
    record written in between is skipped. Committing the end first gives the service a
    fixed starting point, so it sees exactly what the test writes next.
    """
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.structs import OffsetAndMetadata

    from samla_shared.messaging.kafka_admin import topic_partitions

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        partitions = [tp for topic in topics for tp in await topic_partitions(admin, topic)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in ends.items()})
    finally:
        await consumer.stop()


async def forget_history(bootstrap: str, topic: str) -> None:
    """Delete every record now on `topic` of the fault stack (only fault tests ever write there).

    A test that replays a topic from its beginning then replays what it wrote itself, not
    the thousands of records earlier fault tests (and earlier runs) left behind.
    """
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

    from samla_shared.messaging.kafka_admin import topic_partitions

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await topic_partitions(admin, topic)
        ends = await consumer.end_offsets(partitions)
        await admin.delete_records({tp: RecordsToDelete(before_offset=end) for tp, end in ends.items()})
    finally:
        await consumer.stop()
        await admin.close()
