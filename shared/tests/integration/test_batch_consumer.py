"""A batch consumer handles several keys at a time, yet each key's events in order, each once
when nothing crashes; a failure of the database comes back, a poison record is parked once."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict

from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker
from pymongo.errors import AutoReconnect

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_shared.messaging.consumer import subscribe
from tests.support.kafka import committed_offset, event_headers, read_records, throwaway_topic

COHORTS = 6
PER_COHORT = 20


async def committed_past(kafka: str, group: str, partition: TopicPartition, offset: int) -> bool:
    committed = await committed_offset(kafka, group, partition)
    return committed is not None and committed >= offset


def enrolment(network: str, cohort: str, seat: int) -> CloudEvent:
    return CloudEvent(data=ParticipantEnrolled(
        network_id=network, cohort_id=cohort, programme_id="prog-1", application_id=f"app-{cohort}-{seat}",
        participant_id=f"person-{cohort}-{seat}", organisation_id="org-1", unit_id="unit-1", cohort_sequence=seat),
        source="/samla/test/enrollment")


async def test_keys_are_handled_side_by_side_each_in_order_and_a_passing_failure_loses_nothing(
        kafka_bootstrap, producer, wait_until):
    network = f"net-batch-{uuid.uuid4().hex[:8]}"
    cohorts = [f"cohort-{uuid.uuid4().hex[:10]}" for _ in range(COHORTS)]
    flaky = (cohorts[0], 7)  # the database drops this write once
    handled: dict[str, list[int]] = defaultdict(list)
    attempts: dict[tuple[str, int], int] = defaultdict(int)
    in_flight = 0
    most_in_flight = 0

    async def on_enrolled(event: CloudEvent) -> None:
        nonlocal in_flight, most_in_flight
        data = event.data
        if data.network_id != network:
            return  # only this test's events count (the topic is its own; this keeps the counts honest)
        place = (data.cohort_id, data.cohort_sequence)
        attempts[place] += 1
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        try:
            await asyncio.sleep(random.uniform(0, 0.01))
            if place == flaky and attempts[place] == 1:
                raise AutoReconnect("connection reset by the database")
            handled[data.cohort_id].append(data.cohort_sequence)
        finally:
            in_flight -= 1

    # A topic of its own: a consumer of the shared one (another test's service, another session's)
    # would read the poison record too and park it under its own name.
    async with throwaway_topic(kafka_bootstrap, "batch-consumer") as topic:
        group = f"test-batch-{uuid.uuid4().hex[:10]}"
        broker = KafkaBroker(kafka_bootstrap)
        subscriber = subscribe(broker, topic=topic, group_id=group, service="batch-test",
                               handlers={ParticipantEnrolled: on_enrolled}, transient_pause=0.1,
                               batch_size=100, concurrency=4)
        await broker.start()
        try:
            await wait_until(lambda: asyncio.sleep(0, result=bool(subscriber.consumer.assignment())))
            # All on one partition and interleaved, so each batch mixes cohorts and a failure in one
            # cohort rewinds a partition that others have moved on in; one cohort gets a record
            # that is not an event.
            sends = []
            for seat in range(1, PER_COHORT + 1):
                for cohort in cohorts:
                    event = enrolment(network, cohort, seat)
                    sends.append(await producer.send(topic, event.value(), key=cohort.encode(), partition=0,
                                                     headers=event_headers(event)))
                if seat == 10:
                    sends.append(await producer.send(topic, b"{not json", key=cohorts[1].encode(), partition=0,
                                                     headers=[("ce_type", b"ParticipantEnrolled")]))
            written = await asyncio.gather(*sends)
            past_the_last = TopicPartition(topic, 0), max(record.offset for record in written) + 1

            async def all_handled() -> bool:
                return sum(len(seats) for seats in handled.values()) >= COHORTS * PER_COHORT

            await wait_until(all_handled, timeout=60)
            # The group commits a batch only after handling it, rewinds included: once it has
            # committed past the last record, every record it will ever hand over again has been
            # handled, so a wrongly repeated one would be in `handled` by now.
            await wait_until(lambda: committed_past(kafka_bootstrap, group, *past_the_last), timeout=60)
        finally:
            await broker.stop()

        assert {cohort: handled[cohort] for cohort in cohorts} == {
            cohort: list(range(1, PER_COHORT + 1)) for cohort in cohorts}, "a cohort's events out of order or repeated"
        assert attempts[flaky] == 2, "the failed write was not tried again"
        assert most_in_flight > 1, "the cohorts were handled one at a time"
        parked = await read_records(kafka_bootstrap, f"{topic}.dlq", key=cohorts[1])
        assert [dict(r.headers)["dlq_consumer"] for r in parked] == [b"batch-test"], "the poison record parked once"
