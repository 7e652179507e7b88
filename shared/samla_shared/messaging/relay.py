"""OutboxRelay: publishes the events waiting in documents' outboxes, then marks them sent.

Delivery is at-least-once: an entry is removed only after Kafka acknowledged it with
acks=all, so a crash between the two publishes it again and consumers deduplicate by
`ce_id`. While Kafka or the database is unreachable the relay backs off and retries;
the entries simply wait in their documents, so an outage delays events but loses none.

With a `Lease`, several instances of a service share one set of outboxes: the holder
relays, the others stand by and take over when its lease runs out (docs/scale-out.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from prometheus_client import Counter, Gauge
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.messaging.outbox import ENTRY_KEY, OUTBOX_FIELD, PENDING_FIELD, pending_entries, staging_order
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_shared.persistence.lease import Lease
from samla_shared.structured_logging import current_network_id

log = logging.getLogger("samla.outbox")

OUTBOX_BACKLOG = Gauge("samla_outbox_backlog", "Events waiting in the outbox", ["service"])
OUTBOX_OLDEST_AGE = Gauge("samla_outbox_oldest_age_seconds", "Age of the oldest pending outbox entry", ["service"])
OUTBOX_PUBLISHED = Counter("samla_outbox_published_total", "Events the relay published", ["service", "topic"])
OUTBOX_FAILURES = Counter("samla_outbox_publish_failures_total", "Relay rounds that failed and backed off", ["service"])

# publish(topic, key, value, headers) -> awaitable that resolves when the broker acknowledged.
Publish = Callable[[str, bytes, bytes, dict[str, str]], Awaitable[Any]]


def record_headers(entry: dict[str, Any]) -> dict[str, str]:
    time = entry["time"]
    if isinstance(time, datetime) and time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    return {
        "ce_specversion": "1.0",
        "ce_id": entry["id"],
        "ce_type": entry["type"],
        "ce_source": entry["source"],
        "ce_time": time.isoformat() if isinstance(time, datetime) else str(time),
        "ce_subject": entry["key"],
        "content-type": "application/json",
    }


class OutboxRelay:
    """Moves pending outbox entries of the given collections to Kafka."""

    def __init__(
        self,
        database: AsyncDatabase,
        collections: Sequence[str],
        publish: Publish,
        *,
        service: str,
        locks: DocumentLocks | None = None,
        batch_documents: int = 5000,
        idle_interval: float = 0.5,
        max_backoff: float = 5.0,
        lease: Lease | None = None,
    ) -> None:
        self._db = database
        self._collections = tuple(collections)
        self._publish = publish
        self._service = service
        self._locks = locks or DocumentLocks()
        self._guard = WriteGuard(database)
        self._batch = batch_documents
        self._idle = idle_interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._stopping = False
        self._lease = lease

    def notify(self) -> None:
        """Wake the relay now (called after a write staged events) instead of waiting for the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping:
            try:
                if self._lease is not None and await self._lease.hold() is None:
                    # Another instance relays; look again well within its lease time.
                    await self._pause(self._lease.seconds / 4)
                    continue
                published = await self.publish_pending()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database unreachable: wait and try again
                OUTBOX_FAILURES.labels(self._service).inc()
                log.warning("outbox relay round failed, retrying in %.1fs: %s", backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if published == 0:
                await self._pause(self._idle)
        if self._lease is not None:
            await self._lease.release()

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def publish_pending(self) -> int:
        """One round: publish what is pending now, in staging order. Returns how many were sent.

        Collections are read in the order given, and a use case that writes several
        documents must write them in the reverse of that order (e.g. the application
        before the cohort, read cohorts first): then whenever a later event is seen, the
        earlier ones it follows are already visible, and sorting by staging time keeps
        their order on the partition.
        """
        work: list[tuple[dict[str, Any], str, Any]] = []
        for name in self._collections:
            cursor = self._db[name].find({PENDING_FIELD: {"$gt": 0}}, {OUTBOX_FIELD: 1}).limit(self._batch)
            async for doc in cursor:
                work.extend((entry, name, doc["_id"]) for entry in pending_entries(doc))
        if not work:
            return 0
        work.sort(key=lambda item: staging_order(item[0]))
        # The fence, checked after reading and before publishing: a holder that lost its lease
        # while it read publishes nothing. One paused between here and the send publishes
        # entries the new holder publishes too: duplicates (consumers drop them by ce_id),
        # never a loss, and never an event ahead of one it follows (docs/scale-out.md).
        if self._lease is not None:
            token = self._lease.token
            if token is None or not await self._lease.is_current(token):
                return 0
        await self._send([entry for entry, _, _ in work])
        await self._mark_sent(work)
        for entry, _, _ in work:
            OUTBOX_PUBLISHED.labels(self._service, entry["topic"]).inc()
        return len(work)

    async def measure_backlog(self, sample_limit: int = 2000) -> tuple[int, float]:
        """Update the backlog gauges: how many entries wait, and how old the oldest is (seconds)."""
        backlog = 0
        oldest: datetime | None = None
        for name in self._collections:
            cursor = self._db[name].find({PENDING_FIELD: {"$gt": 0}}, {OUTBOX_FIELD: 1}).limit(sample_limit)
            async for doc in cursor:
                for entry in pending_entries(doc):
                    backlog += 1
                    time = entry["time"] if entry["time"].tzinfo else entry["time"].replace(tzinfo=UTC)
                    oldest = time if oldest is None or time < oldest else oldest
        age = 0.0 if oldest is None else max((datetime.now(UTC) - oldest).total_seconds(), 0.0)
        OUTBOX_BACKLOG.labels(self._service).set(backlog)
        OUTBOX_OLDEST_AGE.labels(self._service).set(age)
        return backlog, age

    async def _send(self, entries: list[dict[str, Any]]) -> None:
        # Hand every record to the producer first and await the acknowledgements together:
        # the idempotent producer keeps per-partition order, and batching beats one round trip each.
        acknowledgements = []
        for entry in entries:
            parent = propagate.extract(entry.get("trace") or {})
            token = otel_context.attach(parent)
            network = current_network_id.set(_network_of(entry))
            try:
                acknowledgements.append(
                    await self._publish(
                        entry["topic"],
                        entry["key"].encode(),
                        _json_bytes(entry["data"]),
                        record_headers(entry),
                    )
                )
            finally:
                current_network_id.reset(network)
                otel_context.detach(token)
        for ack in acknowledgements:
            if isinstance(ack, asyncio.Future):
                await ack

    async def _mark_sent(self, work: list[tuple[dict[str, Any], str, Any]]) -> None:
        # Keys, not event ids: a packed entry holds many events and is removed once, with all of them sent.
        by_document: dict[tuple[str, Any], dict[str, None]] = {}
        for entry, collection, document_id in work:
            by_document.setdefault((collection, document_id), {})[entry[ENTRY_KEY]] = None
        for (collection, document_id), keys in by_document.items():
            ids = list(keys)
            # The document's owner may be writing it right now; see DocumentLocks for why we wait.
            async with self._locks.hold(collection, document_id):
                # Only entries still there are removed and counted off: another round (or
                # instance) may have marked them already, and counting twice would hide
                # entries that are still pending.
                if not await self._guard.conditions_in_filter():
                    current = await self._db[collection].find_one({"_id": document_id}, {OUTBOX_FIELD: 1})
                    ids = [i for i in ids if i in ((current or {}).get(OUTBOX_FIELD) or {})]
                    if not ids:
                        continue
                guarded = await self._guard.filter(document_id, {f"{OUTBOX_FIELD}.{ids[0]}": {"$exists": True}})
                await self._db[collection].update_one(
                    guarded, {"$unset": {f"{OUTBOX_FIELD}.{i}": "" for i in ids}, "$inc": {PENDING_FIELD: -len(ids)}},
                )


def _network_of(entry: dict[str, Any]) -> str | None:
    data = entry.get("data")
    return data.get("network_id") if isinstance(data, dict) else None


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), default=str).encode()
