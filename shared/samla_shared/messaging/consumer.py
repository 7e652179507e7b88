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
    """Check the settings, then subscribe one named handler that hands each record (or batch) to the
    record or batch handling below; FastStream's NACK policy does the committing."""
    if batch_size < 1 or concurrency < 1:
        raise ValueError("batch_size and concurrency must be at least 1")
    if batch_scope is not None and batch_size == 1:
        raise ValueError("a batch scope needs batches")
    if concurrency > 1 and batch_size == 1:
        raise ValueError("concurrency needs batches: one record at a time leaves nothing to overlap")
    if "topic" in source:
        DEAD_LETTERED.labels(service, source["topic"])  # exported as 0 until the first dead letter
    records = _RecordHandling(group_id=group_id, service=service, dispatch=dispatch,
                              dead_letters=DeadLetters(broker, service, dead_letters_to),
                              max_attempts=max_attempts, transient_pause=transient_pause)
    batches = _BatchHandling(records, name=name, concurrency=concurrency, batch_scope=batch_scope)

    async def consume(message: KafkaMessage) -> None:
        if batch_size == 1:
            await records.consume(message.raw_message)  # FastStream's middleware traced it already
            return
        await batches.consume(message.raw_message, message.consumer)

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
        decoder=_keep_raw,
        title=f"{service} consumes {source.get('topic') or source['pattern']}",
        description=description,
    )
    subscriber(consume)
    return subscriber


async def _keep_raw(message: Any) -> bytes:
    # FastStream would JSON-decode the body before our handler runs and turn a malformed
    # record into an endless redelivery; we decode ourselves so it can be dead-lettered.
    return message.body


# A record's place in the log: topic, partition, offset.
Place = tuple[str, int, int]


def _place(record: Any) -> Place:
    return (record.topic, record.partition, record.offset)


def _parse_or_reason(record: Any) -> CloudEvent | InvalidEvent:
    try:
        return parse_record(decode_headers(record.headers or ()), record.value)
    except InvalidEvent as exc:
        return exc


class _RecordHandling:
    """One record: parsed, dispatched (retried, or re-raised when the infrastructure is away), or dead-lettered."""

    def __init__(self, *, group_id: str, service: str, dispatch: DeliveryHandler, dead_letters: DeadLetters,
                 max_attempts: int, transient_pause: float) -> None:
        self._group_id = group_id
        self._service = service
        self._dispatch = dispatch
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._transient_pause = transient_pause

    async def consume_traced(self, record: Any, parsed: CloudEvent | InvalidEvent | None = None) -> None:
        # The telemetry middleware makes one span per batch, linked to the records' traces;
        # each record continues its own producer's trace here, as a one-record consumer does.
        parent = propagate.extract(decode_headers(record.headers or ()))
        with tracer.start_as_current_span(
            f"{record.topic} process", context=parent, kind=SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.operation": "process",
                        "messaging.destination.name": record.topic,
                        "messaging.kafka.destination.partition": record.partition,
                        "messaging.kafka.message.offset": record.offset,
                        "messaging.consumer.group.name": self._group_id},
        ):
            await self.consume(record, parsed)

    async def consume(self, record: Any, parsed: CloudEvent | InvalidEvent | None = None) -> None:
        if parsed is None:
            parsed = _parse_or_reason(record)
        if isinstance(parsed, InvalidEvent):
            await self._park(record, str(parsed))
            return
        event = parsed
        delivery = Delivery(record.topic, record.partition, record.offset)
        with network_scope(getattr(event.data, "network_id", None)):
            for attempt in range(1, self._max_attempts + 1):
                try:
                    if await self._dispatch(event, delivery):
                        CONSUMED.labels(self._service, record.topic, event.type).inc()
                    return
                except InvalidEvent as exc:
                    await self._park(record, str(exc))
                    return
                except TRANSIENT_ERRORS:
                    # Comes again after the pause (the NACK policy, or the batch's rewind);
                    # the message is not at fault.
                    await asyncio.sleep(self._transient_pause)
                    raise
                except Exception as exc:
                    if attempt == self._max_attempts:
                        await self._park(record, f"{event.type} handler failed {self._max_attempts} times: "
                                                 f"{type(exc).__name__}: {exc}")
                        return
                    log.warning("handler for %s failed (attempt %d), retrying: %s", event.type, attempt, exc)
                    await asyncio.sleep(0.1 * attempt)

    async def _park(self, record: Any, reason: str) -> None:
        await self._dead_letters.park(topic=record.topic, key=record.key, value=record.value,
                                      headers=decode_headers(record.headers or ()), partition=record.partition,
                                      offset=record.offset, reason=reason)


class _BatchHandling:
    """A batch: one lane per key, up to `concurrency` lanes at a time, inside the batch scope; a failure rewinds."""

    def __init__(self, records: _RecordHandling, *, name: str, concurrency: int,
                 batch_scope: BatchScope | None) -> None:
        self._records = records
        self._name = name
        self._concurrency = concurrency
        self._batch_scope = batch_scope
        # Records handled in this process but left behind a failure in their partition: the
        # partition is rewound to its first unhandled record, and these are skipped when they
        # come again, so a poison record already dead-lettered is not dead-lettered twice.
        self._settled: set[Place] = set()

    async def consume(self, records: tuple[Any, ...], consumer: Any) -> None:
        handled: set[Place] = set()
        if self._batch_scope is None:
            outcomes = await self._run_lanes(records, {}, handled)
        else:
            # Parsed once: the scope sees the batch's events, and each is handled from the same parse.
            parsed = {_place(record): _parse_or_reason(record) for record in records
                      if _place(record) not in self._settled}
            async with self._batch_scope([e for e in parsed.values() if isinstance(e, CloudEvent)]):
                outcomes = await self._run_lanes(records, parsed, handled)
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if not failures:
            return
        for failure in failures:
            if not isinstance(failure, Exception):
                raise failure  # cancelled (shutdown, rebalance): nothing is committed
        self._rewind(records, handled, consumer, failures[0])
        log.warning("%d of %d records of a %s batch will come again: %s", len(records) - len(handled), len(records),
                    self._name, failures[0])

    async def _run_lanes(self, records: tuple[Any, ...], parsed: Mapping[Place, CloudEvent | InvalidEvent],
                         handled: set[Place]) -> list[Any]:
        lanes: dict[tuple[str, int, bytes | None], list[Any]] = {}
        for record in records:  # partition order, and offset order within each partition
            lanes.setdefault((record.topic, record.partition, record.key), []).append(record)
        slots = asyncio.Semaphore(self._concurrency)

        async def run_lane(lane: list[Any]) -> None:
            async with slots:
                for record in lane:
                    place = _place(record)
                    if place in self._settled:
                        self._settled.discard(place)
                    else:
                        # A failure stops the lane here, so no later record of this key overtakes it.
                        await self._records.consume_traced(record, parsed.get(place))
                    handled.add(place)

        return await asyncio.gather(*(run_lane(lane) for lane in lanes.values()), return_exceptions=True)

    def _rewind(self, records: tuple[Any, ...], handled: set[Place], consumer: Any, failure: Exception) -> None:
        """Seek each partition to its first unhandled record; the caller then returns normally, so the commit
        that follows keeps every record handled before it, and the rest come again."""
        unhandled: dict[TopicPartition, int] = {}
        for record in records:
            if _place(record) not in handled:
                tp = TopicPartition(record.topic, record.partition)
                unhandled[tp] = min(unhandled.get(tp, record.offset), record.offset)
        try:
            for tp, offset in unhandled.items():
                consumer.seek(tp, offset)
        except Exception:  # the partition was revoked meanwhile: let the NACK policy rewind the batch
            raise failure from None
        self._settled.update(place for place in handled
                             if (tp := TopicPartition(place[0], place[1])) in unhandled and place[2] > unhandled[tp])
