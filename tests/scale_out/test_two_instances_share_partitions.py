"""Two sessions instances in one consumer group share the partitions of `samla.enrollment.v1`;
when one is SIGKILLed mid-stream, the other takes over its partitions and every roster ends
complete, each enrolment once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from pymongo import AsyncMongoClient

from samla_ops.kafka import consumer_lag
from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from tests.faults.fault_stack import drop_database
from tests.scale_out.service_process import ServiceProcess
from tests.support.kafka import event_headers, group_members, open_producer, start_group_at_end

pytestmark = pytest.mark.slow

EVENTS = 600
COHORTS = 30
PARTITIONS = 6


def enrolment(cohort_id: str, sequence: int) -> CloudEvent:
    return CloudEvent(
        data=ParticipantEnrolled(network_id="net-scale", cohort_id=cohort_id, programme_id="prog-scale",
                                 application_id=uuid.uuid4().hex, participant_id=uuid.uuid4().hex,
                                 organisation_id="org-1", unit_id="unit-1", cohort_sequence=sequence),
        source="/samla/local/enrollment")


async def test_a_killed_instances_partitions_are_taken_over_and_every_enrolment_lands_once(
        kafka_bootstrap, mongo_url, wait_until, tmp_path):
    run = uuid.uuid4().hex[:8]
    database, group = f"test_sessions_scale_{run}", f"test-sessions-scale-{run}"
    settings = {"kafka_bootstrap_servers": kafka_bootstrap, "mongo_url": mongo_url, "mongo_database": database,
                "consumer_group": group, "consumer_offset_reset": "earliest"}
    first, second = (ServiceProcess("sessions", settings, tmp_path / f"sessions-{n}.log") for n in (1, 2))
    cohorts = [f"cohort-scale-{run}-{i}" for i in range(COHORTS)]
    mongo: AsyncMongoClient = AsyncMongoClient(mongo_url)
    roster = mongo[database].roster
    try:
        # The group starts at the topic's end: it reads what this test writes (and other tests' traffic).
        await start_group_at_end(kafka_bootstrap, group, [ENROLLMENT_TOPIC])
        first.start()
        second.start()
        started = time.monotonic()
        await wait_until(first.ready, timeout=120, interval=0.5)
        await wait_until(second.ready, timeout=120, interval=0.5)

        async def shared() -> list[set[int]] | None:
            members = await group_members(kafka_bootstrap, group, ENROLLMENT_TOPIC)
            return members if len(members) == 2 and all(members) else None

        split = await wait_until(shared, timeout=90, interval=0.5)
        print(f"\ntwo instances ready and sharing {split} after {time.monotonic() - started:.0f}s")
        assert set().union(*split) == set(range(PARTITIONS)) and not split[0] & split[1]

        events = [enrolment(cohorts[i % COHORTS], i // COHORTS + 1) for i in range(EVENTS)]
        async with open_producer(kafka_bootstrap, linger_ms=20) as producer:
            written = await asyncio.gather(*[
                await producer.send(ENROLLMENT_TOPIC, e.value(), key=e.subject.encode(), headers=event_headers(e))
                for e in events])

        async def part_way() -> int:
            count = await roster.count_documents({"cohort_id": {"$in": cohorts}})
            return count if count >= EVENTS // 4 else 0

        await wait_until(part_way, timeout=180, interval=0.05)
        consumed_by_first = await first.metric("samla_events_consumed_total", topic=ENROLLMENT_TOPIC)
        first.kill()
        at_kill = await roster.count_documents({"cohort_id": {"$in": cohorts}})
        assert at_kill < EVENTS, "the stream was done before the kill; nothing was tested"
        assert consumed_by_first > 0, "the killed instance had not consumed anything: the partitions were not shared"

        async def taken_over() -> list[set[int]] | None:
            members = await group_members(kafka_bootstrap, group, ENROLLMENT_TOPIC)
            return members if len(members) == 1 and members[0] == set(range(PARTITIONS)) else None

        killed_at = time.monotonic()
        await wait_until(taken_over, timeout=90, interval=0.5)
        print(f"killed at {at_kill}/{EVENTS}; partitions taken over after {time.monotonic() - killed_at:.0f}s")

        async def complete() -> bool:
            return await roster.count_documents({"cohort_id": {"$in": cohorts}}) >= EVENTS

        await wait_until(complete, timeout=300, interval=1.0)
        print(f"roster complete {time.monotonic() - killed_at:.0f}s after the kill")

        # Past the last of these records on every partition: any redelivery of them is behind us too.
        # (Lag never settles at 0 here: other tests keep writing to the shared topic.)
        last_written = {}
        for metadata in written:
            last_written[metadata.partition] = max(last_written.get(metadata.partition, -1), metadata.offset)

        async def caught_up() -> bool:
            committed = {r.partition: r.committed or 0 for r in await consumer_lag(kafka_bootstrap, [group])
                         if r.topic == ENROLLMENT_TOPIC}
            return all(committed.get(p, 0) > offset for p, offset in last_written.items())

        await wait_until(caught_up, timeout=120, interval=1.0)
        applications = [doc["application_id"] async for doc in
                        roster.find({"cohort_id": {"$in": cohorts}}, {"application_id": 1})]
        assert sorted(applications) == sorted(e.data.application_id for e in events), "lost or duplicated"
        assert await second.metric("samla_events_consumed_total", topic=ENROLLMENT_TOPIC) > 0
    finally:
        first.stop()
        second.stop()
        await mongo.close()
        await drop_database(mongo_url, database)
