"""Contract-aware Kafka consumers with at-least-once delivery and a dead-letter path.

Each subscriber runs in a consumer group with FastStream's NACK_ON_ERROR policy: the
offset is committed only after the handler returned, so a crash or an exception
redelivers the message (the default ACK_FIRST would lose it). Two kinds of failure are
told apart:

* the database or broker is unreachable: the message is retried (after a pause) for as
  long as it takes, because the message is fine and the outage will end;
* the message itself cannot be processed (not JSON, unknown `ce_type`, schema-invalid, a
  handler that raises InvalidEvent, or one that keeps failing): it goes to `<topic>.dlq`
  (or the one dead-letter topic a pattern subscription names) with the reason in its
  headers and the partition moves on. Nothing is dropped silently.

A consumer may take records in batches (`batch_size` > 1). The offsets are then committed
once per batch instead of once per record: that commit is a broker round trip, and it is
what bounds a one-record consumer whose handler is a single database write. Within a
batch, records with the same key (the aggregate id) are handled one after another in
offset order, and up to `concurrency` keys at a time. Kafka promises order only per
partition, and the contract keys every event by its aggregate, so per-key order is the
order consumers rely on. A failure that is not the message's fault (a database away) stops
its key's lane; the batch's offsets are committed up to each partition's first unhandled
record and the rest comes again. A crash between handling and the commit redelivers the
whole batch; handlers are idempotent, so records handled twice change nothing twice.

A batch consumer may also be given a `batch_scope`: an async context manager opened with the
batch's events before any of them is handled and closed after the last. A service uses it
to fetch once, for the whole batch, what each event would otherwise fetch on its own (the
notifications service asks enrollment for the contact details of everyone the batch mails).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter
from pymongo.errors import ConnectionFailure

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent, InvalidEvent, decode_headers, parse_record
from samla_shared.contract.topics import dead_letter_topic
from samla_shared.structured_logging import network_scope

log = logging.getLogger("samla.consumer")
tracer = trace.get_tracer("samla.consumer")

DEAD_LETTERED = Counter("samla_dlq_messages_total", "Messages sent to a dead-letter topic", ["service", "topic"])
CONSUMED = Counter("samla_events_consumed_total", "Events handled", ["service", "topic", "type"])

EventHandler = Callable[[CloudEvent], Awaitable[None]]
# Opened with a consumed batch's events before they are handled, closed after (see the module docstring).
BatchScope = Callable[[Sequence[CloudEvent]], AbstractAsyncContextManager[None]]

# Failures of the infrastructure, not of the message: retry, never dead-letter.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionFailure, KafkaError, OSError)


class DeadLetters:
    """Publishes an unprocessable record, unchanged, to its topic's DLQ with the reason."""

    def __init__(self, broker: KafkaBroker, service: str,
                 topic_of: Callable[[str], str] = dead_letter_topic) -> None:
        self._broker = broker
        self._service = service
        self._topic_of = topic_of

    async def park(
        self, *, topic: str, key: bytes | None, value: bytes | None, headers: Mapping[str, str],
        partition: int, offset: int, reason: str,
    ) -> None:
        dlq_headers = {
            **headers,
            "dlq_reason": reason[:2000],
            "dlq_original_topic": topic,
            "dlq_original_partition": str(partition),
            "dlq_original_offset": str(offset),
            "dlq_failed_at": datetime.now(UTC).isoformat(),
            "dlq_consumer": self._service,
        }
        await self._broker.publish(value or b"", self._topic_of(topic), key=key, headers=dlq_headers)
        DEAD_LETTERED.labels(self._service, topic).inc()
        log.error("dead-lettered %s[%s]@%s: %s", topic, partition, offset, reason)


def subscribe(
    broker: KafkaBroker,
    *,
    topic: str,
    group_id: str,
    service: str,
    handlers: Mapping[type[IntegrationEvent], EventHandler],
    max_attempts: int = 3,
    transient_pause: float = 1.0,
    offset_reset: Literal["earliest", "latest"] = "earliest",
    batch_size: int = 1,
    concurrency: int = 1,
    batch_scope: BatchScope | None = None,
) -> Any:
    """Register a consumer of `topic` that dispatches contract events to `handlers` by type.

    Events of types this service does not handle are acknowledged and skipped; records
    that break the contract are dead-lettered. `batch_size` > 1 commits once per batch of
    up to that many records, handling up to `concurrency` keys at a time (see the module
    docstring for what that keeps and what it costs), inside `batch_scope` if one is given.
    """

    async def dispatch(event: CloudEvent, _: Delivery) -> bool:
        handler = handlers.get(type(event.data))
        if handler is None:
            return False
        await handler(event)
        return True

    return _register(
        broker, {"topic": topic}, group_id=group_id, service=service, dispatch=dispatch,
        dead_letters_to=dead_letter_topic, max_attempts=max_attempts, transient_pause=transient_pause,
        offset_reset=offset_reset, name=topic, batch_size=batch_size, concurrency=concurrency,
        batch_scope=batch_scope, description=f"{service} handles: {', '.join(sorted(t.event_type() for t in handlers))}",
    )


@dataclass(frozen=True)
class Delivery:
    """Where a record came from: the topic (which names the region of a replicated topic) and position."""

    topic: str
    partition: int
    offset: int


DeliveryHandler = Callable[[CloudEvent, Delivery], Awaitable[bool]]


def subscribe_pattern(
    broker: KafkaBroker,
    *,
    pattern: str,
    group_id: str,
    service: str,
    dispatch: DeliveryHandler,
    dead_letters_to: str,
    description: str,
    max_attempts: int = 3,
    transient_pause: float = 1.0,
    offset_reset: Literal["earliest", "latest"] = "earliest",
) -> Any:
    """Register a consumer of every topic matching `pattern`, present and future (new regions).

    `dispatch` receives the event and its delivery (the topic tells a replicated record's
    region) and returns whether it handled it; it raises InvalidEvent for a record that
    parses but must not be applied. Unprocessable records of any matched topic go to the one
    topic `dead_letters_to`, with their original topic in the `dlq_original_topic` header.
    """
    return _register(
        broker, {"pattern": pattern}, group_id=group_id, service=service, dispatch=dispatch,
        dead_letters_to=lambda _: dead_letters_to, max_attempts=max_attempts, transient_pause=transient_pause,
        offset_reset=offset_reset, name=re.sub(r"[^a-z0-9]+", "_", pattern).strip("_"), description=description,
    )


def _register(
    broker: KafkaBroker, source: dict[str, str], *, group_id: str, service: str, dispatch: DeliveryHandler,
    dead_letters_to: Callable[[str], str], max_attempts: int, transient_pause: float,
    offset_reset: Literal["earliest", "latest"], name: str, description: str,
    batch_size: int = 1, concurrency: int = 1, batch_wait_ms: int = 50, batch_scope: BatchScope | None = None,
) -> Any:
    if batch_size < 1 or concurrency < 1:
        raise ValueError("batch_size and concurrency must be at least 1")
    if batch_scope is not None and batch_size == 1:
        raise ValueError("a batch scope needs batches")
    if concurrency > 1 and batch_size == 1:
        raise ValueError("concurrency needs batches: one record at a time leaves nothing to overlap")
    dead_letters = DeadLetters(broker, service, dead_letters_to)
    if "topic" in source:
        DEAD_LETTERED.labels(service, source["topic"])  # exported as 0 until the first dead letter

    # Records handled in this process but left behind a failure in their partition: the
    # partition is rewound to its first unhandled record, and these are skipped when they
    # come again, so a poison record already dead-lettered is not dead-lettered twice.
    settled: set[tuple[str, int, int]] = set()

    async def consume(message: KafkaMessage) -> None:
        if batch_size == 1:
            await consume_record(message.raw_message)  # FastStream's middleware traced it already
            return
        await consume_batch(message.raw_message, message.consumer)

    async def consume_batch(records: tuple[Any, ...], consumer: Any) -> None:
        lanes: dict[tuple[str, int, bytes | None], list[Any]] = {}
        for record in records:  # partition order, and offset order within each partition
            lanes.setdefault((record.topic, record.partition, record.key), []).append(record)
        slots = asyncio.Semaphore(concurrency)
        handled: set[tuple[str, int, int]] = set()
        # Parsed once: the scope sees the batch's events, and each is handled from the same parse.
        parsed: dict[tuple[str, int, int], CloudEvent | InvalidEvent] = {}
        if batch_scope is not None:
            for record in records:
                if (record.topic, record.partition, record.offset) not in settled:
                    parsed[(record.topic, record.partition, record.offset)] = parse_or_reason(record)

        async def run_lane(lane: list[Any]) -> None:
            async with slots:
                for record in lane:
                    place = (record.topic, record.partition, record.offset)
                    if place in settled:
                        settled.discard(place)
                    else:
                        # A failure stops the lane here, so no later record of this key overtakes it.
                        await consume_traced(record, parsed.get(place))
                    handled.add(place)

        async def run_lanes() -> list[Any]:
            return await asyncio.gather(*(run_lane(lane) for lane in lanes.values()), return_exceptions=True)

        if batch_scope is None:
            outcomes = await run_lanes()
        else:
            async with batch_scope([e for e in parsed.values() if isinstance(e, CloudEvent)]):
                outcomes = await run_lanes()
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if not failures:
            return
        for failure in failures:
            if not isinstance(failure, Exception):
                raise failure  # cancelled (shutdown, rebalance): nothing is committed
        # Rewind each partition to its first unhandled record and return normally: the
        # commit that follows then keeps every record handled before it, and the rest come again.
        unhandled: dict[TopicPartition, int] = {}
        for record in records:
            if (record.topic, record.partition, record.offset) not in handled:
                tp = TopicPartition(record.topic, record.partition)
                unhandled[tp] = min(unhandled.get(tp, record.offset), record.offset)
        try:
            for tp, offset in unhandled.items():
                consumer.seek(tp, offset)
        except Exception:  # the partition was revoked meanwhile: let the NACK policy rewind the batch
            raise failures[0] from None
        settled.update(place for place in handled
                       if (tp := TopicPartition(place[0], place[1])) in unhandled and place[2] > unhandled[tp])
        log.warning("%d of %d records of a %s batch will come again: %s", len(records) - len(handled), len(records),
                    name, failures[0])

    def parse_or_reason(record: Any) -> CloudEvent | InvalidEvent:
        try:
            return parse_record(decode_headers(record.headers or ()), record.value)
        except InvalidEvent as exc:
            return exc

    async def consume_traced(record: Any, parsed: CloudEvent | InvalidEvent | None = None) -> None:
        # The telemetry middleware makes one span per batch, linked to the records' traces;
        # each record continues its own producer's trace here, as a one-record consumer does.
        parent = propagate.extract(decode_headers(record.headers or ()))
        with tracer.start_as_current_span(
            f"{record.topic} process", context=parent, kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.operation": "process",
                        "messaging.destination.name": record.topic,
                        "messaging.kafka.destination.partition": record.partition,
                        "messaging.kafka.message.offset": record.offset, "messaging.consumer.group.name": group_id},
        ):
            await consume_record(record, parsed)

    async def consume_record(record: Any, parsed: CloudEvent | InvalidEvent | None = None) -> None:
        headers = decode_headers(record.headers or ())
        delivery = Delivery(record.topic, record.partition, record.offset)

        async def park(reason: str) -> None:
            await dead_letters.park(topic=record.topic, key=record.key, value=record.value, headers=headers,
                                    partition=record.partition, offset=record.offset, reason=reason)

        if parsed is None:
            parsed = parse_or_reason(record)
        if isinstance(parsed, InvalidEvent):
            await park(str(parsed))
            return
        event = parsed
        with network_scope(getattr(event.data, "network_id", None)):
            for attempt in range(1, max_attempts + 1):
                try:
                    if await dispatch(event, delivery):
                        CONSUMED.labels(service, record.topic, event.type).inc()
                    return
                except InvalidEvent as exc:
                    await park(str(exc))
                    return
                except TRANSIENT_ERRORS:
                    # Comes again after the pause (the NACK policy, or the batch's rewind);
                    # the message is not at fault.
                    await asyncio.sleep(transient_pause)
                    raise
                except Exception as exc:
                    if attempt == max_attempts:
                        await park(f"{event.type} handler failed {max_attempts} times: {type(exc).__name__}: {exc}")
                        return
                    log.warning("handler for %s failed (attempt %d), retrying: %s", event.type, attempt, exc)
                    await asyncio.sleep(0.1 * attempt)

    async def keep_raw(message: Any) -> bytes:
        # FastStream would JSON-decode the body before our handler runs and turn a malformed
        # record into an endless redelivery; we decode ourselves so it can be dead-lettered.
        return message.body

    consume.__name__ = f"{service}_consumes_{name.replace('.', '_')}"
    topics = (source["topic"],) if "topic" in source else ()
    subscriber = broker.subscriber(
        *topics,
        pattern=source.get("pattern"),
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset=offset_reset,
        # getmany returns at once when records are waiting; the wait only bounds an idle poll.
        **({"batch": True, "max_records": batch_size, "batch_timeout_ms": batch_wait_ms} if batch_size > 1 else {}),
        decoder=keep_raw,
        title=f"{service} consumes {source.get('topic') or source['pattern']}",
        description=description,
    )
    subscriber(consume)
    return subscriber
