"""Two outbox relays over one collection, as two processes sharing a lease: the holder relays,
the other stands by. When the holder is SIGKILLed (or SIGSTOPped, and later resumed) in the
middle of a round, the other takes the next term of the lease and finishes: no event is lost
and every cohort's events reach Kafka in the order they were staged (a record the first
relay had sent, or sends on resuming, may appear twice; consumers drop it by ce_id)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.enrollment import CohortCapacityChanged
from samla_shared.messaging.outbox import mark_pending, staged
from samla_shared.persistence.lease import LEASES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
COHORTS = 12
EVENTS_PER_COHORT = 25
LEASE_SECONDS = 2.0
PUBLISH_DELAY = 0.01


def relay_process(mongo_url: str, database: str, bootstrap: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.scale_out.relay_process", mongo_url, database, "cohorts", bootstrap,
             str(LEASE_SECONDS), str(PUBLISH_DELAY)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("fault", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "paused"])
async def test_a_failed_relays_work_is_finished_by_the_other_with_nothing_lost_and_order_kept(
        fault, kafka_bootstrap, mongo_url, wait_until, topic_records, tmp_path):
    run = uuid.uuid4().hex[:8]
    database = f"test_relay_lease_{run}"
    mongo: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    db = mongo[database]
    cohorts = [f"cohort-relays-{run}-{i}" for i in range(COHORTS)]
    since_ms = int(time.time() * 1000) - 1000
    staged_ids: dict[str, list[str]] = {c: [] for c in cohorts}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        # Every cohort's events, staged one write at a time as a service stages them. The relays
        # start afterwards: on FerretDB a document's writes must come from one process
        # (docs/scale-out.md), and here the test process is that writer.
        async def stage(cohort: str) -> None:
            await db.cohorts.insert_one({"_id": cohort, "capacity": 0})
            for capacity in range(1, EVENTS_PER_COHORT + 1):
                event = CohortCapacityChanged(network_id="net-relays", cohort_id=cohort, programme_id="prog-relays",
                                              capacity=capacity, seats_taken=0)
                update = staged(event, source="/samla/local/enrollment")
                update["$set"]["capacity"] = capacity
                await db.cohorts.update_one({"_id": cohort}, update)
                await mark_pending(db.cohorts, cohort)
                [entry_id] = [k.split(".", 1)[1] for k in update["$set"] if k.startswith("outbox.")]
                staged_ids[cohort].append(entry_id)

        await asyncio.gather(*(stage(c) for c in cohorts))

        processes = [relay_process(mongo_url, database, kafka_bootstrap, tmp_path / f"relay-{n}.log") for n in (1, 2)]

        async def holder() -> dict | None:
            return await db[LEASES].find_one({"name": "outbox-relay"}, sort=[("term", -1)])

        first_term = await wait_until(holder, timeout=60, interval=0.05)
        first_pid = int(first_term["holder"].split(":")[1])
        assert first_pid in {p.pid for p in processes}

        # Kill the holder in the middle of its work: some cohorts relayed, others still waiting.
        async def part_way() -> int:
            waiting = await db.cohorts.count_documents({"_id": {"$in": cohorts}, "outbox_pending": {"$gt": 0}})
            return waiting if 0 < waiting <= COHORTS - 3 else 0

        waiting_at_kill = await wait_until(part_way, timeout=120, interval=0.02)
        os.kill(first_pid, fault)
        survivor = next(p for p in processes if p.pid != first_pid)

        async def taken_over() -> dict | None:
            term = await holder()
            return term if term["term"] > first_term["term"] else None

        second_term = await wait_until(taken_over, timeout=60, interval=0.1)
        # The fencing token went up, and the survivor holds it.
        assert int(second_term["holder"].split(":")[1]) == survivor.pid
        if fault == signal.SIGSTOP:
            # Resumed mid-round, the old holder may finish sending what it had read, then finds
            # a later term and stands by: the survivor keeps the lease.
            os.kill(first_pid, signal.SIGCONT)

        async def all_relayed() -> bool:
            return await db.cohorts.count_documents({"_id": {"$in": cohorts}, "outbox_pending": {"$gt": 0}}) == 0

        await wait_until(all_relayed, timeout=120, interval=0.2)

        async def published() -> dict[str, list[str]] | None:
            records = await topic_records(ENROLLMENT_TOPIC, since_ms=since_ms)
            by_cohort: dict[str, list[str]] = {c: [] for c in cohorts}
            for record in records:
                key = record.key.decode() if record.key else ""
                if key in by_cohort:
                    by_cohort[key].append(dict(record.headers)["ce_id"].decode())
            return by_cohort if all(set(by_cohort[c]) == set(staged_ids[c]) for c in cohorts) else None

        by_cohort = await wait_until(published, timeout=60, interval=0.5)
        newest = await holder()
        assert int(newest["holder"].split(":")[1]) == survivor.pid and newest["term"] == second_term["term"]
        duplicates = 0
        for cohort in cohorts:
            first_seen = list(dict.fromkeys(by_cohort[cohort]))
            assert first_seen == staged_ids[cohort], f"{cohort}: events out of the order they were staged"
            duplicates += len(by_cohort[cohort]) - len(first_seen)
        print(f"\n{COHORTS * EVENTS_PER_COHORT} events, holder {fault.name} with {waiting_at_kill} cohorts waiting; "
              f"term {first_term['term']} -> {second_term['term']}; {duplicates} duplicate records")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
                process.wait(timeout=30)
        await mongo.drop_database(database)
        await mongo.close()
