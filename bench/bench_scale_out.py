"""Scale-out: roster updates per second with one sessions instance against two in one consumer group.

Each round starts k real sessions processes (uvicorn, k = 1 or 2) in a fresh consumer group
that starts at the end of `samla.enrollment.v1`, with a database of their own; once the
group has assigned all six partitions (split between the two when k = 2), 600
ParticipantEnrolled records of fresh cohorts (10 per cohort) go on the topic, and the
rate is records / time from the first send until all are on the roster. Rounds run in
pairs, 1 then 2, and 2 then 1, so drifting load weighs on both; the ratio is the median of
the pairs' two / one (the shared FerretDB's load swings rates by several times between
pairs, much less within one).
What a second instance gains depends on what bounds the first. Before the stack's FerretDB
patch (infra/ferretdb), every `_id` lookup scanned a table, an instance mostly waited on
FerretDB, and a second one doubled the writes in flight: two / one was 1.3 to 2.2. With
`_id` lookups indexed an instance no longer waits: one already keeps the two cores busy
together with the broker, FerretDB and the producer, so a second has no core of its own
and the ratio is about 1 (0.98 here; 0.90 at BENCH_SCALE=5, 3,000 events per round). On
this machine the figure shows that sharing the partitions costs little, not the gain a
deployment with cores to spare would see.
Other tests' traffic on the shared topic is consumed too and is not counted.
Every round checks that each enrolment is on the roster exactly once.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from harness import BenchContext, Figure
from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.scale_out.service_process import ServiceProcess  # noqa: E402
from tests.support.kafka import group_members, start_group_at_end  # noqa: E402

NAME = "scale_out"
EVENTS = 600
PER_COHORT = 10
ORDER = (1, 2, 2, 1)


async def eventually(check, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := await check():
            return result
        await asyncio.sleep(interval)
    raise RuntimeError(f"not met within {timeout}s")


async def one_round(ctx: BenchContext, instances: int, events: int, logs: Path) -> float:
    run = uuid.uuid4().hex[:8]
    database, group = f"bench_scale_{run}", f"bench-scale-{run}"
    settings = {"kafka_bootstrap_servers": ctx.kafka, "mongo_url": ctx.mongo_url, "mongo_database": database,
                "consumer_group": group, "consumer_offset_reset": "earliest"}
    processes = [ServiceProcess("sessions", settings, logs / f"{run}-{n}.log") for n in range(instances)]
    mongo: AsyncMongoClient = AsyncMongoClient(ctx.mongo_url)
    roster = mongo[database].roster
    cohorts = [f"bench-scale-{run}-{c}" for c in range(-(-events // PER_COHORT))]
    try:
        await start_group_at_end(ctx.kafka, group, [ENROLLMENT_TOPIC])
        for process in processes:
            process.start()
        for process in processes:
            await eventually(process.ready, timeout=120, interval=0.5)

        async def assigned() -> bool:
            members = await group_members(ctx.kafka, group, ENROLLMENT_TOPIC)
            return len(members) == instances and all(members) and len(set().union(*members)) == 6

        await eventually(assigned, timeout=90, interval=0.5)
        records = [CloudEvent(data=ParticipantEnrolled(
            network_id=f"net-bench-{run}", cohort_id=cohorts[i // PER_COHORT], programme_id=f"bench-{run}",
            application_id=uuid.uuid4().hex, participant_id=uuid.uuid4().hex, organisation_id="org-bench",
            unit_id="unit-bench", cohort_sequence=i % PER_COHORT + 1), source="/samla/bench/enrollment")
            for i in range(events)]
        producer = AIOKafkaProducer(bootstrap_servers=ctx.kafka, acks="all", linger_ms=20)
        await producer.start()
        started = time.monotonic()
        try:
            await asyncio.gather(*[await producer.send(ENROLLMENT_TOPIC, r.value(), key=r.subject.encode(),
                                                       headers=[(k, v.encode()) for k, v in r.headers().items()])
                                   for r in records])
        finally:
            await producer.stop()

        async def all_applied() -> bool:
            return await roster.count_documents({"cohort_id": {"$in": cohorts}}) >= events

        await eventually(all_applied, timeout=900, interval=0.1)
        seconds = time.monotonic() - started
        applied = [d["application_id"] async for d in roster.find({"cohort_id": {"$in": cohorts}},
                                                                   {"application_id": 1})]
        assert sorted(applied) == sorted(r.data.application_id for r in records), "lost or duplicated enrolments"
        return events / seconds
    finally:
        for process in processes:
            process.stop()
        await mongo.drop_database(database)
        await mongo.close()


async def run(ctx: BenchContext) -> list[Figure]:
    events = ctx.scaled(EVENTS)
    rates: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="samla-bench-scale-") as logs:
        for instances in ORDER:
            rate = await one_round(ctx, instances, events, Path(logs))
            rates[instances].append(rate)
            print(f"   round: {instances} instance(s) {rate:8.1f} updates/s", flush=True)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    pair_ratios = [two_rate / one_rate for one_rate, two_rate in zip(rates[1], rates[2], strict=True)]
    rounds = lambda k: ", ".join(f"{r:.1f}" for r in rates[k])  # noqa: E731
    return [
        Figure(NAME, "one instance: roster updates/s (median)", one, "1/s", f"rounds {rounds(1)}; {events} events"),
        Figure(NAME, "two instances: roster updates/s (median)", two, "1/s", f"rounds {rounds(2)}; {events} events"),
        Figure(NAME, "ratio two / one (median of pairs)", statistics.median(pair_ratios), "x",
               "pairs " + ", ".join(f"{r:.2f}" for r in pair_ratios) + "; 2 cores shared with Kafka and FerretDB"),
    ]
