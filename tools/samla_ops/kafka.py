"""Kafka look-ups and writes of the ops tool: lag, dead letters, replays, offset resets."""

from __future__ import annotations

import json
import os
import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

DLQ_SUFFIX = ".dlq"
DLQ_HEADER_PREFIX = "dlq_"


def security(bootstrap: str) -> dict[str, Any]:
    """How the tool authenticates, from SAMLA_OPS_KAFKA_* (never from the command line, where
    a password would show in the process list and the shell history).

    SAMLA_OPS_KAFKA_SECURITY_PROTOCOL: PLAINTEXT, SASL_PLAINTEXT or SASL_SSL;
    SAMLA_OPS_KAFKA_SASL_MECHANISM (SCRAM-SHA-512), _SASL_USERNAME, _SASL_PASSWORD. Replays
    write to any event topic and resets move any group, so this is the admin's principal.
    Unset, the tool signs in to the local stack's broker (`make up`) as its admin, with the
    password that stack keeps, and connects to any other broker without credentials.
    """
    protocol = os.environ.get("SAMLA_OPS_KAFKA_SECURITY_PROTOCOL")
    if protocol is None:
        return local_stack_admin(bootstrap) or {}
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {
        "security_protocol": protocol,
        "sasl_mechanism": os.environ.get("SAMLA_OPS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl_plain_username": os.environ["SAMLA_OPS_KAFKA_SASL_USERNAME"],
        "sasl_plain_password": os.environ["SAMLA_OPS_KAFKA_SASL_PASSWORD"],
    }
    if protocol == "SASL_SSL":
        options["ssl_context"] = ssl.create_default_context()
    return options


def local_stack_admin(bootstrap: str) -> dict[str, Any] | None:
    """The admin's sign-in to a broker of the local stack (infra/local/stack.py), if `bootstrap` is one.

    That stack keeps each SASL broker's passwords in <state>/kafka-<port>/credentials.json,
    readable by its owner only; the state folder is SAMLA_STACK_DIR, or .stack in the current
    folder (the checkout's root, where `make` runs). None for any other address, and for a
    broker of that stack that runs plaintext (SAMLA_KAFKA_SASL=0, or the tests' own broker).
    """
    host, _, port = bootstrap.strip().rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        return None
    home = Path(os.environ.get("SAMLA_STACK_DIR", ".stack")) / f"kafka-{port}"
    try:
        if "SASL_PLAINTEXT://" not in (home / "server.properties").read_text():
            return None
        password = json.loads((home / "credentials.json").read_text())["admin"]
    except (OSError, ValueError, KeyError):
        return None
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": "admin", "sasl_plain_password": password}


@asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, **security(bootstrap))
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def plain_consumer(bootstrap: str, group_id: str | None = None) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer that never commits by itself: the tool reads, or commits explicitly."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False,
                                **security(bootstrap))
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(admin: AIOKafkaAdminClient, topic: str) -> list[TopicPartition]:
    [description] = await admin.describe_topics([topic])
    if description.get("error_code"):
        return []
    return [TopicPartition(topic, p["partition"]) for p in sorted(description["partitions"], key=lambda p: p["partition"])]


# -- lag --------------------------------------------------------------------------------------

@dataclass
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group has not committed on this partition yet
    end: int

    @property
    def lag(self) -> int:
        return max(self.end - (self.committed or 0), 0)


async def consumer_lag(bootstrap: str, groups: Iterable[str] | None = None, prefix: str = "samla-") -> list[PartitionLag]:
    """Lag per group, topic and partition: the log end offset minus the group's committed offset."""
    async with admin_client(bootstrap) as admin, plain_consumer(bootstrap) as probe:
        if groups is None:
            groups = sorted(g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix))
        rows: list[PartitionLag] = []
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            topics = sorted({tp.topic for tp in committed})
            for topic in topics:
                tps = await partitions_of(admin, topic)
                ends = await probe.end_offsets(tps) if tps else {}
                for tp in tps:
                    done = committed.get(tp)
                    offset = done.offset if done is not None and done.offset >= 0 else None
                    rows.append(PartitionLag(group, topic, tp.partition, offset, ends[tp]))
        return rows


# -- dead letters -------------------------------------------------------------------------------

@dataclass
class DeadLetter:
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode(errors="replace")
        return None

    @property
    def original_topic(self) -> str | None:
        return self.header("dlq_original_topic")

    def replay_headers(self) -> list[tuple[str, bytes]]:
        """The record's headers as they were on the original topic: without the dlq_* ones."""
        return [(k, v) for k, v in self.headers if not k.startswith(DLQ_HEADER_PREFIX)]

    def summary(self) -> dict[str, Any]:
        return {
            "partition": self.partition, "offset": self.offset,
            "key": self.key.decode(errors="replace") if self.key is not None else None,
            "ce_type": self.header("ce_type"), "ce_id": self.header("ce_id"),
            "reason": self.header("dlq_reason"), "consumer": self.header("dlq_consumer"),
            "failed_at": self.header("dlq_failed_at"),
            "original": f"{self.original_topic}[{self.header('dlq_original_partition')}]"
                        f"@{self.header('dlq_original_offset')}",
            "value": (self.value or b"").decode(errors="replace"),
        }


def dlq_topic(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


async def read_dead_letters(bootstrap: str, topic: str, *, limit: int | None = None,
                            wanted: set[tuple[int, int]] | None = None) -> list[DeadLetter]:
    """The records of `topic`'s DLQ from the beginning (or only the (partition, offset) pairs wanted)."""
    name = dlq_topic(topic)
    async with admin_client(bootstrap) as admin:
        tps = await partitions_of(admin, name)
    if not tps:
        raise LookupError(f"topic {name} does not exist")
    found: list[DeadLetter] = []
    async with plain_consumer(bootstrap) as consumer:
        consumer.assign(tps)
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            consumer.seek(tp, starts[tp])
            while await consumer.position(tp) < ends[tp]:
                for record in (await consumer.getmany(tp, timeout_ms=2000)).get(tp, []):
                    if record.offset >= ends[tp]:
                        break
                    if wanted is None or (tp.partition, record.offset) in wanted:
                        found.append(DeadLetter(tp.partition, record.offset, record.timestamp, record.key,
                                                record.value, list(record.headers or ())))
    found.sort(key=lambda d: (d.partition, d.offset))
    return found[-limit:] if limit else found


async def replay(bootstrap: str, letters: list[DeadLetter], *, to_topic: str | None = None) -> list[tuple[str, int, int]]:
    """Publish each dead letter again to its original topic, key, value and headers (less dlq_*).

    The ce_id is kept, so a consumer that did apply the event after all ignores the replay.
    Returns (topic, partition, offset) of every record written.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **security(bootstrap))
    await producer.start()
    written = []
    try:
        for letter in letters:
            target = to_topic or letter.original_topic
            if not target:
                raise ValueError(f"dead letter at offset {letter.offset} has no dlq_original_topic header")
            meta = await producer.send_and_wait(target, letter.value, key=letter.key,
                                                headers=letter.replay_headers())
            written.append((target, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return written


# -- offset resets --------------------------------------------------------------------------------

class GroupIsActive(RuntimeError):
    """The consumer group has live members: its service must be stopped first."""


async def group_state(admin: AIOKafkaAdminClient, group: str) -> tuple[str, int]:
    """(state, number of members) of a consumer group; ("Dead", 0) when it does not exist."""
    [response] = await admin.describe_consumer_groups([group])
    for described in response.groups:
        # (error_code, group_id, state, protocol_type, protocol, members, ...)
        if described[1] == group:
            return described[2], len(described[5])
    return "Dead", 0


async def reset_to_beginning(bootstrap: str, group: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    """Commit the log start offset of every partition of `topics` for `group`.

    Kafka accepts such a commit only from outside the group while the group has no
    members, so a running service makes this fail instead of being reset under its feet.
    """
    async with admin_client(bootstrap) as admin:
        state, members = await group_state(admin, group)
        if members:
            raise GroupIsActive(f"consumer group {group} has {members} live member(s) (state {state}): "
                                "stop the service first")
        tps = [tp for topic in topics for tp in await partitions_of(admin, topic)]
    if not tps:
        return {}
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        consumer.assign(tps)
        starts = await consumer.beginning_offsets(tps)
        await consumer.commit({tp: OffsetAndMetadata(offset, "reset by samla-ops rebuild") for tp, offset in starts.items()})
    return starts
