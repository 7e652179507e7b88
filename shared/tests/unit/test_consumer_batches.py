"""A consumed batch without a broker: lanes per key in order, a passing failure rewinds its partition to
the first unhandled record, and what was handled behind it is neither handled nor parked again.

The real-stack test (shared/tests/integration/test_batch_consumer.py) shows the same through Kafka;
this one pins the rewind to exact offsets, which a broker run can only see from the outside.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from pymongo.errors import AutoReconnect

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_shared.messaging.consumer import DeadLetters, Delivery, _BatchHandling, _RecordHandling

TOPIC = "samla.enrollment.v1"
PARTITION = TopicPartition(TOPIC, 0)


@dataclass(frozen=True)
class Record:
    """The fields of an aiokafka ConsumerRecord the consumer reads."""

    offset: int
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    topic: str = TOPIC
    partition: int = 0


def enrolment(cohort: str, seat: int, offset: int) -> Record:
    event = CloudEvent(data=ParticipantEnrolled(
        network_id="net-1", cohort_id=cohort, programme_id="prog-1", application_id=f"app-{cohort}-{seat}",
        participant_id=f"person-{cohort}-{seat}", organisation_id="org-1", unit_id="unit-1", cohort_sequence=seat),
        source="/samla/test/enrollment")
    return Record(offset, cohort.encode(), event.value(), tuple((k, v.encode()) for k, v in event.headers().items()))


def poison(cohort: str, offset: int) -> Record:
    return Record(offset, cohort.encode(), b"{not json", (("ce_type", b"ParticipantEnrolled"),))


@dataclass
class FakeBroker:
    """Takes what DeadLetters publishes."""

    published: list[tuple[str, bytes | None]] = field(default_factory=list)

    async def publish(self, value: bytes, topic: str, *, key: bytes | None, headers: dict[str, str]) -> None:
        self.published.append((topic, key))


@dataclass
class FakeConsumer:
    """Records where the batch handling rewound a partition to."""

    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))


@pytest.fixture
def world():
    handled: dict[str, list[int]] = defaultdict(list)
    failing_once: set[tuple[str, int]] = set()

    async def dispatch(event: CloudEvent, delivery: Delivery) -> bool:
        place = (event.data.cohort_id, event.data.cohort_sequence)
        await asyncio.sleep(0)  # let the other lanes run in between
        if place in failing_once:
            failing_once.discard(place)
            raise AutoReconnect("connection reset by the database")
        handled[event.data.cohort_id].append(event.data.cohort_sequence)
        return True

    broker = FakeBroker()
    records = _RecordHandling(group_id="unit", service="unit-test", dispatch=dispatch,
                              dead_letters=DeadLetters(broker, "unit-test"), max_attempts=3, transient_pause=0)
    batches = _BatchHandling(records, name=TOPIC, concurrency=4, batch_scope=None)
    return batches, handled, failing_once, broker


async def test_a_passing_failure_rewinds_to_the_first_unhandled_record_and_nothing_is_done_twice(world):
    batches, handled, failing_once, broker = world
    batch = (enrolment("a", 1, 0), enrolment("b", 1, 1), poison("b", 2), enrolment("a", 2, 3),
             enrolment("b", 2, 4), enrolment("a", 3, 5))
    failing_once.add(("a", 2))
    consumer = FakeConsumer()

    await batches.consume(batch, consumer)  # returns normally: the commit keeps what came before offset 3

    assert consumer.seeks == [(PARTITION, 3)], "rewound to a's failed record, the first unhandled one"
    assert dict(handled) == {"a": [1], "b": [1, 2]}, "a's lane stopped at its failure, b's went on"
    assert broker.published == [(f"{TOPIC}.dlq", b"b")], "the poison record parked"

    # The broker hands over everything from offset 3 again.
    again = FakeConsumer()
    await batches.consume(batch[3:], again)

    assert again.seeks == [], "nothing failed this time"
    assert dict(handled) == {"a": [1, 2, 3], "b": [1, 2]}, "each once, each key in order"
    assert broker.published == [(f"{TOPIC}.dlq", b"b")], "the poison record parked once"


async def test_a_batch_without_failures_handles_keys_side_by_side_and_seeks_nowhere(world):
    batches, handled, _, broker = world
    batch = tuple(enrolment(cohort, seat, offset)
                  for offset, (seat, cohort) in enumerate((s, c) for s in (1, 2, 3) for c in ("a", "b", "c")))
    consumer = FakeConsumer()

    await batches.consume(batch, consumer)

    assert consumer.seeks == []
    assert dict(handled) == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}
    assert broker.published == []


async def test_a_cancelled_lane_is_not_rewound_but_raised_so_nothing_is_committed(world):
    batches, _, _, _ = world
    consumer = FakeConsumer()
    task = asyncio.create_task(batches.consume((enrolment("a", 1, 0), enrolment("b", 1, 1)), consumer))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert consumer.seeks == []
