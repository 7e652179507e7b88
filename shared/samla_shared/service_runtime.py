"""ServiceRuntime: the Kafka broker, the database, the outbox relay and the consumers of one service.

It starts in the background so that a service whose Kafka or MongoDB is down at start
still serves `/health/*` (503 with the reason) and recovers by itself, instead of
crash-looping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Union

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.specification import AsyncAPI
from prometheus_client import Gauge
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract.base import IntegrationEvent
from samla_shared.http.writer_forwarding import forwarding_client
from samla_shared.messaging.consumer import BatchScope, EventHandler, subscribe
from samla_shared.messaging.kafka_admin import topic_partitions
from samla_shared.messaging.kafka_security import broker_security, client_options
from samla_shared.messaging.relay import OUTBOX_BACKLOG, OUTBOX_FAILURES, OUTBOX_OLDEST_AGE, OutboxRelay
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.persistence.mongo import create_client
from samla_shared.persistence.writer_election import NoLongerWriter, WriterElection
from samla_shared.retry import retry_until_done
from samla_shared.settings import ServiceSettings
from samla_shared.telemetry import setup_telemetry

log = logging.getLogger("samla.runtime")

CONSUMER_LAG = Gauge("samla_consumer_lag", "Messages not yet consumed", ["service", "group", "topic", "partition"])

StartupHook = Callable[[AsyncDatabase], Awaitable[None]]


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        publishes: Mapping[str, Sequence[type[IntegrationEvent]]] = {},
        outbox_collections: Sequence[str] = (),
        on_database_ready: StartupHook | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service_name
        self.tracer_provider = setup_telemetry(self.service, settings.otlp_endpoint)
        self.mongo = create_client(settings.mongo_url)
        self.db: AsyncDatabase = self.mongo[settings.mongo_database]
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            security=broker_security(settings),
            acks="all",
            enable_idempotence=True,
            client_id=f"samla-{self.service}",
            allow_auto_create_topics=False,
            request_timeout_ms=15000,
            middlewares=[KafkaTelemetryMiddleware(tracer_provider=self.tracer_provider)],
            description=f"Samla {self.service} service",
            logger=logging.getLogger(f"samla.{self.service}.kafka"),
            log_level=logging.DEBUG,  # one line per message is too much at INFO

        )
        # Declared publishers document the outgoing events in AsyncAPI; the relay publishes through them.
        self._publishers = {
            topic: self.broker.publisher(
                topic,
                title=f"{self.service} publishes {topic}",
                description="CloudEvents 1.0 binary mode; key = aggregate id; ce_type = " + ", ".join(
                    e.event_type() for e in events
                ),
                schema=Union[tuple(events)] if len(events) > 1 else events[0],  # noqa: UP007
            )
            for topic, events in publishes.items()
        }
        self._subscriptions: list[tuple[str, str]] = []
        self._subscribers: list[Any] = []
        self._on_database_ready = on_database_ready
        self.document_locks = DocumentLocks()
        self.relay = OutboxRelay(self.db, outbox_collections, self._publish, service=self.service,
                                 locks=self.document_locks)
        self._tasks: list[asyncio.Task[Any]] = []
        # The service's own periodic work and clients (run_in_background, close_at_stop).
        self._background: list[_BackgroundWork] = []
        self._background_tasks: list[asyncio.Task[Any]] = []
        self._closers: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
        if self._publishers:  # show the gauges from the first scrape, not only after the first measurement
            OUTBOX_BACKLOG.labels(self.service).set(0)
            OUTBOX_OLDEST_AGE.labels(self.service).set(0)
            OUTBOX_FAILURES.labels(self.service)
        self.kafka_connected = False
        self.database_prepared = False
        self._readiness_checks: list[Callable[[], Awaitable[list[str]]]] = []
        # One instance of several writes (persistence.writer_election); with the lease off, this one does.
        self.election = (WriterElection(self.db, self.service, seconds=settings.writer_lease_seconds,
                                        address=settings.instance_url or "")
                         if settings.writer_lease_seconds else None)
        self._elected = asyncio.Event()
        self.forwarding_client = (forwarding_client(settings.writer_lease_seconds) if self.election is not None
                                  else None)

    # -- wiring ---------------------------------------------------------------------------

    def consume(self, topic: str, handlers: Mapping[type[IntegrationEvent], EventHandler], *,
                batch_size: int = 1, concurrency: int = 1, batch_scope: BatchScope | None = None) -> None:
        """Consume `topic` in this service's group; see messaging.consumer for batches, concurrency and scopes."""
        if not self.settings.run_consumers:
            return
        group_id = self.settings.consumer_group or f"samla-{self.service}"
        subscriber = subscribe(self.broker, topic=topic, group_id=group_id, service=self.service, handlers=handlers,
                               offset_reset=self.settings.consumer_offset_reset, batch_size=batch_size,
                               concurrency=concurrency, batch_scope=batch_scope)
        self._subscriptions.append((topic, group_id))
        self._subscribers.append(subscriber)

    def run_in_background(self, name: str, work: Callable[[], Awaitable[Any]], *, writer_only: bool = True,
                          stop: Callable[[], Awaitable[Any]] | None = None) -> None:
        """Run `work` (a periodic loop, say) while the service runs.

        It starts with the runtime and is cancelled first when the runtime stops, then `stop` is
        awaited if given; each step is bounded like the runtime's own. `writer_only` work writes,
        so it waits until this instance is the writer (see `as_writer`).
        """
        self._background.append(_BackgroundWork(name, work, writer_only, stop))

    def close_at_stop(self, step: str, close: Callable[[], Awaitable[Any]]) -> None:
        """Release a client the service made (SMTP, HTTP, a writer actor) when the runtime stops:
        after the consumers have stopped, so no handler meets a closed client, and before the
        database closes, so a last write still lands. Bounded like every other step; a close that
        fails is logged and does not keep the later steps from running."""
        self._closers.append((step, close))

    async def as_writer(self, work: Callable[[], Awaitable[Any]]) -> Any:
        """Run `work` (a service's periodic loop, say) once this instance is the writer: at once
        without an election, and never on a standby, which writes nothing."""
        await self._elected.wait()
        return await work()

    async def fence(self) -> None:
        """Raise NoLongerWriter unless this instance may write now (always, without an election)."""
        if self.election is not None and not await self.election.still_writer():
            raise NoLongerWriter("this instance no longer takes writes (another took over); nothing was done, retry")

    @property
    def is_standby(self) -> bool:
        return self.election is not None and not self.election.is_writer

    def add_readiness_check(self, check: Callable[[], Awaitable[list[str]]]) -> None:
        """A component the service adds beside the runtime (e.g. a second cluster) reports its reasons here."""
        self._readiness_checks.append(check)

    def asyncapi(self) -> dict[str, Any]:
        spec = AsyncAPI(self.broker, title=f"Samla {self.service}", version="1.0.0",
                        description=f"Events the {self.service} service publishes and consumes (contract v1).")
        document = spec.to_specification().to_jsonable()
        # The generator's order of channels follows the order subscribers register in, which is
        # not the same in every process; sorted, the document is byte-stable (docs/asyncapi/ is diffed).
        for section in ("channels", "operations"):
            if section in document:
                document[section] = dict(sorted(document[section].items()))
        for section in ("messages", "schemas"):
            if section in document.get("components", {}):
                document["components"][section] = dict(sorted(document["components"][section].items()))
        return document

    async def _publish(self, topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> Any:
        if not self.kafka_connected:
            raise ConnectionError("Kafka is not connected yet")
        publisher = self._publishers.get(topic)
        if publisher is None:
            raise ValueError(f"{self.service} does not publish to {topic}")
        return await publisher.publish(value, key=key, headers=headers, no_confirm=True)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        for background in self._background:
            work = (partial(self.as_writer, background.work) if background.writer_only else background.work)
            self._background_tasks.append(asyncio.create_task(work(), name=background.name))
        if self.election is None:
            await self._start_writing()
        else:
            self._tasks.append(asyncio.create_task(self.election.run(self._start_writing), name="writer-election"))

    async def _start_writing(self) -> None:
        self._tasks.append(asyncio.create_task(self._prepare_database(), name="prepare-database"))
        self._tasks.append(asyncio.create_task(self._connect_kafka(), name="connect-kafka"))
        self._elected.set()

    async def stop(self) -> None:
        """Stop background work, Kafka and MongoDB, each step bounded by `shutdown_step_seconds`.

        A step that overruns (seen: an aiokafka consumer leaving its group in the middle of a
        rebalance) is logged and abandoned rather than holding the process: nothing is lost,
        because offsets are committed only after handling, so unfinished work comes again.
        """
        for task in self._background_tasks:
            task.cancel()
        await self._bounded("the service's background work",
                            asyncio.gather(*self._background_tasks, return_exceptions=True))
        for background in self._background:
            if background.stop is not None:
                await self._bounded(background.name, background.stop())
        self.relay.stop()
        for task in self._tasks:
            task.cancel()
        await self._bounded("background tasks", asyncio.gather(*self._tasks, return_exceptions=True))
        if self.election is not None:
            await self._bounded("handing over the writer lease", self.election.resign())
        # Also when the connect task was cancelled inside broker.start(): its consumers may already
        # run, and left running they would read on after the database below is closed, failing
        # (and dead-lettering) every event they get.
        try:
            await self._bounded("the Kafka broker", self.broker.stop())
        except Exception:
            if self.kafka_connected:
                raise
            log.debug("stopping a broker that never finished starting", exc_info=True)
        for step, close in self._closers:
            try:
                await self._bounded(step, close())
            except Exception:  # nothing is pending on the way out; the database must still close
                log.warning("shutdown: closing %s failed; going on", step, exc_info=True)
        if self.forwarding_client is not None:
            await self._bounded("the client forwarding writes", self.forwarding_client.aclose())
        await self._bounded("the MongoDB client", self.mongo.close())

    async def _bounded(self, step: str, work: Awaitable[Any]) -> None:
        await stop_within(step, work, self.settings.shutdown_step_seconds)

    async def _prepare_database(self) -> None:
        async def prepare() -> None:
            await self.db.command("ping")
            if self._on_database_ready is not None:
                await self._on_database_ready(self.db)

        await retry_until_done(prepare, what="preparing the database", log=log)
        self.database_prepared = True

    async def _connect_kafka(self) -> None:
        await start_until_connected(self.broker, "Kafka")
        self.kafka_connected = True
        if self.settings.run_relay and self.relay_has_work:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self._tasks.append(asyncio.create_task(self._measure(), name="measure"))

    @property
    def relay_has_work(self) -> bool:
        return bool(self._publishers)

    # -- observation ----------------------------------------------------------------------

    async def readiness(self) -> list[str]:
        reasons: list[str] = []
        try:
            await asyncio.wait_for(self.db.command("ping"), timeout=2.0)
            if self.is_standby:  # serves reads and forwards writes: needs the database only
                return reasons
            if not self.database_prepared:
                reasons.append("database: answering, indexes not prepared yet")
        except Exception as exc:
            reasons.append(f"database: {type(exc).__name__}")
        if not self.kafka_connected:
            reasons.append("kafka: not connected")
        else:
            try:
                if not await self.broker.ping(timeout=2.0):
                    reasons.append("kafka: broker does not answer")
            except Exception as exc:
                reasons.append(f"kafka: {type(exc).__name__}")
            for subscriber in self._subscribers:
                consumer = getattr(subscriber, "consumer", None)
                if consumer is None or not consumer.assignment():
                    reasons.append("kafka: consumer group has not been assigned partitions yet")
                    break
        for check in self._readiness_checks:
            reasons.extend(await check())
        return reasons

    async def _measure(self, interval: float = 10.0) -> None:
        """Refresh gauges that are read from outside the request path: outbox backlog, consumer lag."""
        while True:
            try:
                if self.relay_has_work:
                    await self.relay.measure_backlog()
                if self._subscriptions:
                    await self._measure_lag()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("metrics refresh failed: %s", exc)
            await asyncio.sleep(interval)

    async def _measure_lag(self) -> None:
        servers = self.settings.kafka_bootstrap_servers
        security = client_options(self.settings)
        admin = AIOKafkaAdminClient(bootstrap_servers=servers, **security)
        probe = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, **security)
        await admin.start()
        await probe.start()
        try:
            for topic, group in self._subscriptions:
                tps = await topic_partitions(admin, topic)
                if not tps:
                    continue
                ends = await probe.end_offsets(tps)
                committed = await admin.list_consumer_group_offsets(group, partitions=tps)
                for tp in tps:
                    done = committed.get(tp)
                    position = done.offset if done is not None and done.offset >= 0 else 0
                    CONSUMER_LAG.labels(self.service, group, topic, str(tp.partition)).set(max(ends[tp] - position, 0))
        finally:
            await probe.stop()
            await admin.close()


@dataclass(frozen=True)
class _BackgroundWork:
    name: str
    work: Callable[[], Awaitable[Any]]
    writer_only: bool
    stop: Callable[[], Awaitable[Any]] | None


_ABANDONED_STEPS: set[asyncio.Task[Any]] = set()


async def stop_within(step: str, work: Awaitable[Any], seconds: float) -> None:
    """Await one shutdown step for at most `seconds`, then log it and go on without it.

    Not `asyncio.wait_for`: on time-out it waits for the step to finish cancelling, and a
    step that hangs may never do so.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if done:
        task.result()
        return
    task.cancel()
    # Keep a reference: a pending task nobody refers to may be garbage-collected mid-step,
    # and a lock it held (a database client's, say) would then never be released.
    _ABANDONED_STEPS.add(task)
    task.add_done_callback(_ABANDONED_STEPS.discard)
    log.error("shutdown: stopping %s took longer than %.0fs; going on without it", step, seconds)


async def start_until_connected(broker: Any, what: str, prepare: Callable[[], Awaitable[None]] | None = None) -> None:
    """Start `broker` (after `prepare`, if given), retrying with backoff until it connects.

    A failed start leaves a half-started broker, which is stopped before the next try.
    """
    async def connect() -> None:
        if prepare is not None:
            await prepare()
        await broker.start()

    async def release_half_started() -> None:
        try:
            await broker.stop()
        except Exception:  # a half-started broker: nothing more to release
            log.debug("broker stop after failed start", exc_info=True)

    await retry_until_done(connect, what=f"connecting to {what}", log=log, first=0.5,
                           after_failure=release_half_started)
