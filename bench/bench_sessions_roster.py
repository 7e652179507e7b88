"""Roster event path: roster updates per second from 20,000 enrollment events, against a raw consumer.

20,000 ParticipantEnrolled records (2,000 fresh cohorts of 10, keyed by cohort id as
enrollment keys them) go on `samla.enrollment.v1` in rounds of 1,000. Each round is read
by two consumers, each in a consumer group of its own that starts where the records
begin: the sessions service (its real app: FastStream batch subscriber with the
NACK_ON_ERROR policy and one offset commit per batch, contract validation, telemetry, the
roster projection with its sequence guard)
and a raw aiokafka consumer doing one `insert_one` per record into another database of
the same FerretDB. Who goes first alternates by round, so drifting load on the machine
weighs on both. Rate = records applied / time from the first to the last applied in a
round (group joins left out), summed over rounds. Ratio = sessions / raw, the median of
the rounds' ratios (target ≥ 0.5).
Afterwards the run checks that every participant is on the roster exactly once.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from harness import BenchContext, Figure
from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_shared.messaging.kafka_admin import topic_partitions
from samla_sessions.entrypoints.app import create_app
from samla_sessions.settings import SessionsSettings

NAME = "sessions_roster"
EVENTS = 20_000
PER_COHORT = 10
ROUND = 1_000
LOOK = 0.05


async def topic_end(kafka: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        partitions = await topic_partitions(admin, ENROLLMENT_TOPIC)
    finally:
        await admin.close()
    probe = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await probe.start()
    try:
        return await probe.end_offsets(partitions)
    finally:
        await probe.stop()


async def start_group_at(kafka: str, group_id: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()


def network(run_id: str) -> str:
    # Per run, so that another run of this benchmark at the same time cannot blur the roster check.
    return f"net-bench-{run_id}"


def enrolments(run_id: str, n: int) -> list[CloudEvent]:
    events = []
    for i in range(n):
        cohort, seat = divmod(i, PER_COHORT)
        events.append(CloudEvent(data=ParticipantEnrolled(
            network_id=network(run_id), cohort_id=f"bench-{run_id}-{cohort}", programme_id=f"bench-{run_id}",
            application_id=f"app-{run_id}-{i}", participant_id=f"person-{run_id}-{i}", organisation_id="org-bench",
            unit_id=f"unit-{i % 97}", cohort_sequence=seat + 1), source="/samla/bench/enrollment"))
    return events


async def produce(kafka: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        pending = []
        for event in events:
            pending.append(await producer.send(
                ENROLLMENT_TOPIC, event.value(), key=event.subject.encode(),
                headers=[(k, v.encode()) for k, v in event.headers().items()]))
            if len(pending) >= 2000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def as_document(value: bytes | None) -> object:
    try:
        return json.loads(value or b"")
    except ValueError:  # another client's malformed record: kept as it came
        return value


def window_done(seen: dict[TopicPartition, int], ends: dict[TopicPartition, int]) -> bool:
    return all(seen.get(tp, 0) >= end for tp, end in ends.items())


async def raw_consumer(ctx: BenchContext, group: str, database: str, ends: dict[TopicPartition, int]) -> float:
    """One insert_one per record up to `ends`, as a plain aiokafka consumer writes them.

    Returns the seconds from the first record applied to the last.
    """
    mongo = AsyncMongoClient(ctx.mongo_url, tz_aware=True)
    events = mongo[database].events
    consumer = AIOKafkaConsumer(ENROLLMENT_TOPIC, bootstrap_servers=ctx.kafka, group_id=group,
                                enable_auto_commit=True, auto_offset_reset="earliest")
    await consumer.start()
    seen: dict[TopicPartition, int] = {}
    first = None
    try:
        async for record in consumer:
            headers = {k: v.decode() for k, v in record.headers}
            await events.insert_one({"_id": f"{record.partition}:{record.offset}", "id": headers.get("ce_id"),
                                     "type": headers.get("ce_type"), "key": (record.key or b"").decode(),
                                     "data": as_document(record.value)})
            first = first or time.perf_counter()
            seen[TopicPartition(record.topic, record.partition)] = record.offset + 1
            if window_done(seen, ends):
                return time.perf_counter() - first
        raise RuntimeError("the raw consumer stopped early")
    finally:
        await consumer.stop()
        await mongo.close()


async def sessions_consumer(ctx: BenchContext, group: str, database: str, starts: dict[TopicPartition, int],
                            ends: dict[TopicPartition, int]) -> float:
    """The sessions service's own consumer, up to `ends`, watched through its group's committed offsets.

    The service commits a batch's offsets only after it applied the batch, so the committed
    offsets say how far it is (never ahead of the roster; behind it by at most one batch,
    which counts against the service). Returns the seconds from the first commit to the last.
    """
    settings = SessionsSettings(kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
                                consumer_group=group, environment="test", log_level="WARNING")
    app = create_app(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=ctx.kafka)
    await admin.start()

    async def committed() -> dict[TopicPartition, int]:
        offsets = await admin.list_consumer_group_offsets(group, partitions=list(ends))
        return {tp: (o.offset if o is not None and o.offset >= 0 else 0) for tp, o in offsets.items()}

    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
            # Each look is a request to the group coordinator, which also takes the service's
            # commits: look often enough for a fair clock, rarely enough not to slow it down.
            while (await committed()) == starts:
                await asyncio.sleep(LOOK)
            first = time.perf_counter()
            while not window_done(await committed(), ends):
                await asyncio.sleep(LOOK)
            return time.perf_counter() - first
    finally:
        await admin.close()


async def roster_is_exact(ctx: BenchContext, database: str, run_id: str, events: list[CloudEvent]) -> bool:
    mongo = AsyncMongoClient(ctx.mongo_url)
    try:
        entries = [doc async for doc in mongo[database].roster.find({"network_id": network(run_id)},
                                                                     {"participant_id": 1})]
    finally:
        await mongo.close()
    participants = [doc["participant_id"] for doc in entries]
    return len(participants) == len(set(participants)) == len(events) and set(participants) == {
        e.data.participant_id for e in events}  # type: ignore[attr-defined]


async def drop(ctx: BenchContext, *databases: str) -> None:
    mongo = AsyncMongoClient(ctx.mongo_url)
    try:
        for database in databases:
            await mongo.drop_database(database)
    finally:
        await mongo.close()


async def run(ctx: BenchContext) -> list[Figure]:
    n = ctx.scaled(EVENTS)
    run_id = uuid.uuid4().hex[:8]
    events = enrolments(run_id, n)
    raw_db, sessions_db = f"bench_raw_{run_id}", f"bench_sessions_{run_id}"
    size = min(ROUND, n)
    rounds = [events[i:i + size] for i in range(0, n, size)]
    raw_seconds: list[float] = []
    sessions_seconds: list[float] = []
    records = 0
    try:
        for number, batch in enumerate(rounds):
            # Fresh groups per round, both starting where this round's records begin: each
            # consumer reads the same window, including any records others put on the topic.
            starts = await topic_end(ctx.kafka)
            raw_group, sessions_group = f"bench-raw-{run_id}-{number}", f"bench-sessions-{run_id}-{number}"
            await start_group_at(ctx.kafka, raw_group, starts)
            await start_group_at(ctx.kafka, sessions_group, starts)
            await produce(ctx.kafka, batch)
            ends = {tp: end for tp, end in (await topic_end(ctx.kafka)).items() if end > starts[tp]}
            records += sum(end - starts[tp] for tp, end in ends.items())
            raw = raw_consumer(ctx, raw_group, raw_db, ends)
            sessions = sessions_consumer(ctx, sessions_group, sessions_db, {tp: starts[tp] for tp in ends}, ends)
            # The machine's other load drifts; short rounds, alternating who goes first, spread it over both.
            if number % 2 == 0:
                raw_seconds.append(await raw)
                sessions_seconds.append(await sessions)
            else:
                sessions_seconds.append(await sessions)
                raw_seconds.append(await raw)
        exact = await roster_is_exact(ctx, sessions_db, run_id, events)
    finally:
        await drop(ctx, raw_db, sessions_db)

    raw_rate, rate = records / sum(raw_seconds), records / sum(sessions_seconds)
    # The median of the rounds' ratios is the headline: a load spike from elsewhere on the
    # machine during one consumer's turn skews a sum far more than it moves a median.
    per_round = sorted(r / s for r, s in zip(raw_seconds, sessions_seconds))
    note = f"{n} events in {len(rounds)} alternating rounds; {records - n} records of others in the windows"
    spread = (f"target ≥ 0.5; rounds from {per_round[0]:.2f} to {per_round[-1]:.2f}; "
              f"ratio of the totals {rate / raw_rate:.2f}")
    figures = [
        Figure(NAME, "sessions roster updates/s", rate, "events/s", note),
        Figure(NAME, "raw aiokafka + insert_one/s", raw_rate, "events/s", "same records, same FerretDB"),
        Figure(NAME, "throughput ratio (sessions / raw), median round", statistics.median(per_round), "x", spread),
        Figure(NAME, "roster exact", float(exact), "bool", "every participant on the roster exactly once"),
    ]
    if not exact:
        print("   CHECK FAILED: the roster does not hold every participant exactly once", flush=True)
    return figures
