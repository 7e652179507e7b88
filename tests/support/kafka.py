"""The one Kafka helper of the tests: read a topic's records, write test records, place consumer groups.

Every test tier imports it as `tests.support.kafka` (pytest.ini puts the repository's root on
sys.path): the root conftest's `producer` and `topic_records` fixtures, the fault, federation and
scale-out stacks (which run brokers of their own, hence the explicit `bootstrap` everywhere), and
the services' test folders. Extra keyword arguments go to the aiokafka clients unchanged, for a
broker that wants credentials.

Tests that are about the broker's security (tests/kafka_security, tests/stack/test_readiness)
build their own clients on purpose: what they check is how a client with given credentials fares.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from aiokafka.protocol.group import MemberAssignment
from aiokafka.structs import OffsetAndMetadata

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.messaging.kafka_admin import topic_partitions


@asynccontextmanager
async def open_producer(bootstrap: str, **options: Any) -> AsyncIterator[AIOKafkaProducer]:
    """A started producer (acks="all" unless told otherwise), stopped on the way out."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **{"acks": "all", **options})
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


def event_headers(event: CloudEvent, **extra: str) -> list[tuple[str, bytes]]:
    """A CloudEvent's Kafka headers, as a producer sends them (`extra` added or overriding)."""
    return [(name, value.encode()) for name, value in (event.headers() | extra).items()]


def header(record: Any, name: str) -> str | None:
    """One header of a consumed record, decoded; None when the record has none of that name."""
    return next((v.decode() for k, v in record.headers or () if k == name), None)


@asynccontextmanager
async def _admin(bootstrap: str, **options: Any) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def _consumer(bootstrap: str, group: str | None = None, **options: Any) -> AsyncIterator[AIOKafkaConsumer]:
    # Never commits by itself: a reader has no group, a group's offsets are committed explicitly.
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, **options)
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def partitions_of(bootstrap: str, *topics: str, **options: Any) -> list[TopicPartition]:
    """The partitions of `topics` as the cluster describes them (none for a topic that does not exist).

    A consumer learns only the partitions of topics it subscribed to; the admin client's
    description is the dependable source.
    """
    async with _admin(bootstrap, **options) as admin:
        return [tp for topic in topics for tp in await topic_partitions(admin, topic)]


@asynccontextmanager
async def throwaway_topic(bootstrap: str, name: str, *, partitions: int = 1, dead_letters: bool = True,
                          **options: Any) -> AsyncIterator[str]:
    """A topic of this test alone (`test.<name>.<random>`, with its `.dlq` sibling unless told otherwise),
    deleted afterwards.

    For a test that feeds a consumer poison records or counts what was parked: on a shared topic
    every other consumer running meanwhile (another test's service, another session's) would read
    and park them as well.
    """
    topic = f"test.{name}.{uuid.uuid4().hex[:10]}"
    topics = [topic, f"{topic}.dlq"] if dead_letters else [topic]
    async with _admin(bootstrap, **options) as admin:
        await admin.create_topics([NewTopic(t, partitions, 1) for t in topics])
        try:
            # Created is not yet known everywhere: wait until the cluster describes every partition.
            for _ in range(100):
                described = [len(await topic_partitions(admin, t)) for t in topics]
                if described == [partitions] * len(topics):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{topics} were created but never described")
            yield topic
        finally:
            await admin.delete_topics(topics)


async def end_offsets(bootstrap: str, topic: str, **options: Any) -> dict[TopicPartition, int]:
    """Where `topic` ends now, per partition: a mark to start a group at, or to read from, later."""
    partitions = await partitions_of(bootstrap, topic, **options)
    async with _consumer(bootstrap, **options) as consumer:
        return await consumer.end_offsets(partitions)


async def offset_bounds(bootstrap: str, partitions: Iterable[TopicPartition],
                        **options: Any) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """Where each of `partitions` begins and ends now (the first offset kept, the next one to be written)."""
    partitions = list(partitions)
    async with _consumer(bootstrap, **options) as consumer:
        return await consumer.beginning_offsets(partitions), await consumer.end_offsets(partitions)


async def each_record(bootstrap: str, partitions: Iterable[TopicPartition], *, since_ms: int | None = None,
                      **options: Any) -> AsyncIterator[ConsumerRecord]:
    """Every record of `partitions` (written since `since_ms`, or all there are), up to their end when asked.

    Partition by partition, in offset order. It reads up to the end as it was when it started,
    so it always finishes; a record written meanwhile may or may not be among them.
    """
    partitions = list(partitions)
    async with _consumer(bootstrap, **options) as consumer:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # Explicit offsets and seek(), never seek_to_beginning(): that one only asks for a reset, which
        # the reset to "latest" that assign() started may overtake (seen on a topic just created).
        if since_ms is None:
            starts = await consumer.beginning_offsets(partitions)
        else:
            found = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
            starts = {tp: found[tp].offset if found[tp] else ends[tp] for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
                    yield record


async def read_records(bootstrap: str, topic: str, *, key: str | None = None, since_ms: int | None = None,
                       **options: Any) -> list[ConsumerRecord]:
    """Every record of `topic` (only those with `key`, if given) written since `since_ms` (None: from the
    beginning), ordered by partition and offset. Reads without a consumer group, so it moves no one's offsets."""
    partitions = await partitions_of(bootstrap, topic, **options)
    wanted = key.encode() if key is not None else None
    found = [record async for record in each_record(bootstrap, partitions, since_ms=since_ms, **options)
             if wanted is None or record.key == wanted]
    return sorted(found, key=lambda r: (r.partition, r.offset))


async def commit_group_offsets(bootstrap: str, group: str, offsets: Mapping[TopicPartition, int],
                               **options: Any) -> None:
    """Start a consumer group at given offsets (e.g. to replay from a point in the topic's history)."""
    async with _consumer(bootstrap, group, **options) as consumer:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})


async def start_group_at_end(bootstrap: str, group: str, topics: Iterable[str],
                             **options: Any) -> dict[TopicPartition, int]:
    """Commit the current end of `topics` for a new consumer group; returns those ends.

    A new group told to start at "latest" decides where "latest" is when it is assigned a
    partition, and again after each rebalance while it has committed nothing there: a
    record written in between is skipped. Committing the end first gives the consumer a
    fixed starting point, so it sees exactly what the test writes next.
    """
    partitions = await partitions_of(bootstrap, *topics, **options)
    async with _consumer(bootstrap, **options) as consumer:
        ends = await consumer.end_offsets(partitions)
    await commit_group_offsets(bootstrap, group, ends, **options)
    return ends


async def group_members(bootstrap: str, group: str, topic: str, **options: Any) -> list[set[int]]:
    """The partitions of `topic` each live member of `group` is assigned, one set per member."""
    async with _admin(bootstrap, **options) as admin:
        [response] = await admin.describe_consumer_groups([group])
    [description] = response.groups
    assigned = []
    for member in description[5]:  # (member id, group instance id, client id, host, metadata, assignment)
        assignment = MemberAssignment.decode(member[4]) if member[4] else None
        assigned.append({p for t, ps in (assignment.assignment if assignment else []) if t == topic for p in ps})
    return assigned


async def committed_offset(bootstrap: str, group: str, partition: TopicPartition, **options: Any) -> int | None:
    """The offset `group` has committed on `partition` (the next record it will read); None if none."""
    async with _admin(bootstrap, **options) as admin:
        committed = (await admin.list_consumer_group_offsets(group, partitions=[partition])).get(partition)
    return committed.offset if committed is not None else None


async def forget_history(bootstrap: str, topic: str, **options: Any) -> None:
    """Delete every record now on `topic`: only for a broker of a test tier's own, never a shared topic.

    A test that replays a topic from its beginning then replays what it wrote itself, not
    the thousands of records earlier tests (and earlier runs) left behind.
    """
    ends = await end_offsets(bootstrap, topic, **options)
    async with _admin(bootstrap, **options) as admin:
        await admin.delete_records({tp: RecordsToDelete(before_offset=end) for tp, end in ends.items()})
