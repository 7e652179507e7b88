"""The sessions service is killed with SIGKILL half-way through 5,000 enrolments and started again:
the roster ends complete, each enrolment once."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from samla_ops.kafka import consumer_lag
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from tests.faults.fault_stack import drop_database
from tests.scale_out.service_process import ServiceProcess
from tests.support.kafka import event_headers, open_producer, start_group_at_end

pytestmark = pytest.mark.slow

EVENTS = 5000
COHORTS = 20


def enrolment(cohort_id: str, sequence: int) -> CloudEvent:
    return CloudEvent(
        data=ParticipantEnrolled(network_id="net-fault", cohort_id=cohort_id, programme_id="prog-fault",
                                 application_id=uuid.uuid4().hex, participant_id=uuid.uuid4().hex,
                                 organisation_id="org-1", unit_id="unit-1", cohort_sequence=sequence),
        source="/samla/fault/enrollment")


async def test_a_consumer_killed_mid_stream_resumes_and_the_roster_ends_complete_without_duplicates(
        fault_stack, fault_mongo, wait_until, tmp_path):
    run = uuid.uuid4().hex[:8]
    database, group = f"fault_sessions_kill_{run}", f"fault-sessions-kill-{run}"
    sessions = ServiceProcess("sessions", {
        "kafka_bootstrap_servers": fault_stack.kafka, "mongo_url": fault_stack.mongo, "mongo_database": database,
        "consumer_group": group, "consumer_offset_reset": "earliest"}, tmp_path / "sessions.log")
    cohorts = [f"cohort-kill-{run}-{i}" for i in range(COHORTS)]
    roster = fault_mongo[database].roster
    try:
        # Start the group at the topic's end, so it reads exactly the 5,000 written below
        # (and "earliest", which the restart relies on, never means the topic's history).
        await start_group_at_end(fault_stack.kafka, group, ["samla.enrollment.v1"])
        sessions.start()
        await wait_until(sessions.ready, timeout=90, interval=0.5)

        events = [enrolment(cohorts[i % COHORTS], i // COHORTS + 1) for i in range(EVENTS)]
        async with open_producer(fault_stack.kafka, linger_ms=20) as producer:
            sent = [await producer.send("samla.enrollment.v1", e.value(), key=e.subject.encode(),
                                        headers=event_headers(e)) for e in events]
            await asyncio.gather(*sent)

        async def part_way() -> int:
            count = await roster.count_documents({"cohort_id": {"$in": cohorts}})
            return count if count >= EVENTS // 4 else 0

        before_kill = await wait_until(part_way, timeout=180, interval=0.05)
        sessions.kill()
        at_kill = await roster.count_documents({"cohort_id": {"$in": cohorts}})
        assert at_kill < EVENTS, "the consumer finished before it could be killed; nothing was tested"

        sessions.start()
        await wait_until(sessions.ready, timeout=90, interval=0.5)

        async def complete() -> bool:
            return await roster.count_documents({"cohort_id": {"$in": cohorts}}) >= EVENTS

        await wait_until(complete, timeout=300, interval=1.0)

        async def caught_up() -> bool:
            rows = await consumer_lag(fault_stack.kafka, [group])
            return bool(rows) and sum(r.lag for r in rows if r.topic == "samla.enrollment.v1") == 0

        await wait_until(caught_up, timeout=60, interval=1.0)

        entries = [doc async for doc in roster.find({"cohort_id": {"$in": cohorts}}, {"application_id": 1})]
        applications = [doc["application_id"] for doc in entries]
        expected = {e.data.application_id for e in events}
        lost = expected - set(applications)
        duplicated = len(applications) - len(set(applications))
        print(f"\nconsumer killed at {at_kill}/{EVENTS} roster entries (seen {before_kill} just before); "
              f"after restart: {len(set(applications))} entries, lost {len(lost)}, duplicated {duplicated}")
        assert not lost
        assert duplicated == 0
        assert set(applications) == expected
    finally:
        sessions.stop()
        await drop_database(fault_stack.mongo, database)
