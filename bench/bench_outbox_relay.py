"""Outbox relay: a round finding and publishing 20 pending events among 200, 2,000 and 20,000 documents, pending markers against the full scan.

Setup, for each size N: a collection of N measure-shaped documents (about 2 KB each: goal,
three indicators, five follow-ups, an empty outbox) in a database of its own on the stack's
FerretDB, and a Kafka topic of the benchmark's own (`bench.outbox_relay`, created if
missing). The number of pending events stays the same at every size: each round, 20
documents chosen at random get one event each, staged as a service stages it (one
`update_one` by `_id` with the state change and the outbox entry).

Samla: `OutboxRelay` as the services run it. The writer follows each state write with
`mark_pending` (an upsert by `_id` into `measures_pending`); a round reads that marker
collection, then each marked document by `_id`, publishes with acks=all, marks the entries
sent and deletes the markers of drained documents. Baseline, the relay as it was before the
markers, in the same run: the same class with its work found by
`find({outbox_pending: {$gt: 0}})` (no marker written, none deleted), which FerretDB v1
answers by reading and decoding the whole collection. The two take turns (Samla, baseline,
Samla, …) so that other load on the machine falls on both. Measured per size: a round with
20 events waiting (stage, then time `publish_pending`, which must return 20), an idle round
(nothing waiting: what the relay does twice a second between bursts), and once the
safety-net scan (`restore_markers`: the full scan plus the marker read) that a relay runs at
start-up and every five minutes. On the writer's side: the state write and the marker
upsert that follows it, p50 over every event staged.

Reading the run below (load average 13.6 at the start, 8.3 at the end, on 2 cores shared with
other engineers' test runs, so absolute times are inflated on both sides): with markers a
round with 20 events waiting costs about the same at 200, 2,000 and 20,000 documents
(0.37-0.49 s, most of it Kafka's acknowledgements and marking the 20 documents sent, which
the baseline pays too), while the full scan's round grows with the collection (0.6 s, 2.2 s,
20 s): 1.3x, 6x and 44x. An idle round, what the relay does twice a second between bursts,
is a read of an empty marker collection (2-8 ms) against a read of every document (0.24 s,
2 s, 19 s). The full scan remains as the safety net, once per start and every five minutes
(13 s at 20,000 here). A writer pays one marker upsert by `_id` per write that stages events,
about 0.6 of the state write itself.
"""

from __future__ import annotations

import os
import random
import time
import uuid

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pymongo import ASCENDING, AsyncMongoClient

from harness import BenchContext, Figure, percentile
from samla_shared.contract.enrollment import CohortCapacityChanged
from samla_shared.messaging.outbox import OUTBOX_FIELD, PENDING_FIELD, mark_pending, merge_updates, staged
from samla_shared.messaging.relay import OutboxRelay

NAME = "outbox_relay"
SIZES = (200, 2_000, 20_000)
PENDING = 20
ROUNDS = 7
TOPIC = "bench.outbox_relay"
INSERT_BATCH = 500


class FullScanRelay(OutboxRelay):
    """The relay before the pending markers: every round scans the collection for `outbox_pending > 0`."""

    def _full_scan_due(self) -> bool:
        return False

    async def _marked_documents(self, name, limit):
        cursor = self._db[name].find({PENDING_FIELD: {"$gt": 0}}, {OUTBOX_FIELD: 1}).limit(limit)
        return [(document["_id"], document) async for document in cursor]

    async def _drop_markers(self, collection, document_ids) -> None:
        pass  # there were no markers


def measure_document(i: int) -> dict:
    return {
        "_id": f"measure-{i:06d}", "network_id": "net-bench", "organisation_id": f"org-{i % 20}",
        "unit_ids": [f"unit-{i % 200}"], "area": "sick_leave_follow_up", "status": "in_practice", "version": 3,
        "title": f"Faste oppfølgingssamtaler {i}",
        "goal": "Redusere sykefraværet gjennom tett og forutsigbar oppfølging. " * 6,
        "indicators": [{"id": f"ind-{i}-{k}", "name": "Sykefravær", "unit": "%", "baseline": 9.5, "target": 7.0}
                       for k in range(3)],
        "follow_ups": [{"id": f"fu-{i}-{k}", "held_on": "2026-10-01", "in_practice": True,
                        "worked": "Samtalene ble holdt som planlagt, og tillitsvalgt deltok.",
                        "readings": [{"indicator_id": f"ind-{i}-0", "value": 8.1}]} for k in range(5)],
        OUTBOX_FIELD: {}, PENDING_FIELD: 0,
    }


async def ensure_topic(bootstrap: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        await admin.close()


async def run(ctx: BenchContext) -> list[Figure]:
    load_at_start = os.getloadavg()[0]
    await ensure_topic(ctx.kafka)
    producer = AIOKafkaProducer(bootstrap_servers=ctx.kafka, acks="all", enable_idempotence=True)
    await producer.start()
    mongo: AsyncMongoClient = AsyncMongoClient(ctx.mongo_url, tz_aware=True)

    async def publish(topic: str, key: bytes, value: bytes, headers: dict[str, str]):
        # Every event goes to the benchmark's own topic, not to the one its type names.
        return await producer.send(TOPIC, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])

    figures: list[Figure] = []
    state_writes: list[float] = []
    marker_writes: list[float] = []
    rounds = max(3, ctx.scaled(ROUNDS))
    try:
        for size in SIZES:
            n = ctx.scaled(size)
            db = mongo[f"bench_outbox_relay_{n}_{uuid.uuid4().hex[:6]}"]
            try:
                measures = db.measures
                await measures.create_index([(PENDING_FIELD, ASCENDING)])  # as the services do
                for first in range(0, n, INSERT_BATCH):
                    await measures.insert_many([measure_document(i) for i in range(first, min(first + INSERT_BATCH, n))])
                relay = OutboxRelay(db, ["measures"], publish, service="bench", full_scan_interval=float("inf"))
                baseline = FullScanRelay(db, ["measures"], publish, service="bench")

                began = time.perf_counter()
                assert await relay.restore_markers() == 0
                start_up_scan = time.perf_counter() - began

                async def stage(with_marker: bool) -> None:
                    for i in random.sample(range(n), min(PENDING, n)):
                        measure_id = f"measure-{i:06d}"
                        event = CohortCapacityChanged(network_id="net-bench", cohort_id=measure_id,
                                                      programme_id="bench", capacity=i + 1, seats_taken=0)
                        update = merge_updates({"$set": {"bench_touched": time.time_ns()}},
                                               staged(event, source="/samla/bench/measures"))
                        began = time.perf_counter()
                        await measures.update_one({"_id": measure_id}, update)
                        state_writes.append(time.perf_counter() - began)
                        if with_marker:
                            began = time.perf_counter()
                            await mark_pending(measures, measure_id, update)
                            marker_writes.append(time.perf_counter() - began)

                async def timed_round(side: OutboxRelay, expected: int) -> float:
                    began = time.perf_counter()
                    published = await side.publish_pending()
                    elapsed = time.perf_counter() - began
                    assert published == expected, (published, expected)
                    return elapsed

                busy: dict[str, list[float]] = {"markers": [], "scan": []}
                idle: dict[str, list[float]] = {"markers": [], "scan": []}
                for _ in range(rounds):
                    await stage(with_marker=True)
                    busy["markers"].append(await timed_round(relay, min(PENDING, n)))
                    idle["markers"].append(await timed_round(relay, 0))
                    await stage(with_marker=False)
                    busy["scan"].append(await timed_round(baseline, min(PENDING, n)))
                    idle["scan"].append(await timed_round(baseline, 0))
                assert await db.measures_pending.count_documents({}) == 0, "every drained document lost its marker"
                assert await measures.count_documents({PENDING_FIELD: {"$gt": 0}}) == 0
            finally:
                await mongo.drop_database(db.name)
            label = f"{n:,} documents"
            for kind, times in (("round with 20 events waiting", busy), ("idle round", idle)):
                markers, scan = percentile(times["markers"], 50) * 1000, percentile(times["scan"], 50) * 1000
                figures += [
                    Figure(NAME, f"{label}: {kind}, markers p50", markers, "ms", f"{rounds} rounds"),
                    Figure(NAME, f"{label}: {kind}, full scan p50", scan, "ms", "baseline, the same rounds"),
                    Figure(NAME, f"{label}: {kind}, speed-up (full scan / markers)", scan / markers, "x",
                           "above 1: the markers are faster"),
                ]
            figures.append(Figure(NAME, f"{label}: start-up (safety-net) scan", start_up_scan * 1000, "ms",
                                  "once per relay start and every 5 minutes"))
            print(f"   {label} done", flush=True)
    finally:
        await producer.stop()
        await mongo.close()
    state, marker = percentile(state_writes, 50) * 1000, percentile(marker_writes, 50) * 1000
    figures += [
        Figure(NAME, "writer: state write with its outbox entry p50", state, "ms",
               f"update_one by _id, {len(state_writes)} writes over all sizes"),
        Figure(NAME, "writer: marker upsert after it p50", marker, "ms", f"{len(marker_writes)} upserts by _id"),
        Figure(NAME, "writer: ratio marker upsert / state write", marker / state, "x",
               "what the markers add to a write that stages events"),
        Figure(NAME, "machine load (1-minute average)", load_at_start, "runnable",
               f"{os.getloadavg()[0]:.1f} at the end, 2 cores shared with other engineers' tests"),
    ]
    return figures
