"""OutboxRelay: publishes the events waiting in documents' outboxes, then marks them sent.

Delivery is at-least-once: an entry is removed only after Kafka acknowledged it with
acks=all, so a crash between the two publishes it again and consumers deduplicate by
`ce_id`. While Kafka or the database is unreachable the relay backs off and retries;
the entries simply wait in their documents, so an outage delays events but loses none.

With a `Lease`, several instances of a service share one set of outboxes: the holder
relays, the others stand by and take over when its lease runs out (docs/scale-out.md).

A round finds its work through the pending markers (`<collection>_pending`, see
samla_shared.messaging.outbox): it reads that small collection, then each marked document
by `_id`, which is what FerretDB v1 answers from an index; `find({outbox_pending: {$gt:
0}})` would read every document of the collection there, every half second. That full
scan runs only as the safety net, in the first round and then every `full_scan_interval`
seconds, to re-create the markers of documents whose marker write was lost (a crash
between the state write and the marker write).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from time import monotonic
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from prometheus_client import Counter, Gauge
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract.cloudevents import binary_headers, data_bytes
from samla_shared.messaging.outbox import (
    ENTRY_KEY,
    OUTBOX_FIELD,
    PENDING_FIELD,
    mark_pending,
    markers_of,
    pending_entries,
    staging_order,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_shared.persistence.lease import Lease
from samla_shared.retry import Backoff
from samla_shared.structured_logging import current_network_id

log = logging.getLogger("samla.outbox")

OUTBOX_BACKLOG = Gauge("samla_outbox_backlog", "Events waiting in the outbox", ["service"])
OUTBOX_OLDEST_AGE = Gauge("samla_outbox_oldest_age_seconds", "Age of the oldest pending outbox entry", ["service"])
OUTBOX_PUBLISHED = Counter("samla_outbox_published_total", "Events the relay published", ["service", "topic"])
OUTBOX_FAILURES = Counter("samla_outbox_publish_failures_total", "Relay rounds that failed and backed off", ["service"])

# publish(topic, key, value, headers) -> awaitable that resolves when the broker acknowledged.
Publish = Callable[[str, bytes, bytes, dict[str, str]], Awaitable[Any]]

# Marked documents are read by `_id` this many at a time: concurrent lookups, not one `$in`
# (FerretDB v1 answers `{_id: {$in: [...]}}` by reading the whole collection).
LOOKUPS_AT_ONCE = 100


def record_headers(entry: dict[str, Any]) -> dict[str, str]:
    """The CloudEvents headers of a staged entry (binary mode, as every record of the platform)."""
    time = entry["time"]
    if isinstance(time, datetime) and time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    return binary_headers(id=entry["id"], type=entry["type"], source=entry["source"],
                          time=time.isoformat() if isinstance(time, datetime) else str(time), subject=entry["key"])


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
        full_scan_interval: float = 300.0,
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
        self._full_scan_interval = full_scan_interval
        self._last_full_scan: float | None = None  # monotonic time; None until this relay's first round
        self._term: int | None = None  # the lease term this relay last relayed under

    def notify(self) -> None:
        """Wake the relay now (called after a write staged events) instead of waiting for the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        backoff = Backoff(first=0.1, ceiling=self._max_backoff)
        while not self._stopping:
            try:
                if self._lease is not None:
                    term = await self._lease.hold()
                    if term is None:
                        # Another instance relays; look again well within its lease time.
                        await self._pause(self._lease.seconds / 4)
                        continue
                    if term != self._term:
                        # A new term: whatever the last holder left half-done, scan once more.
                        self._term, self._last_full_scan = term, None
                published = await self.publish_pending()
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database unreachable: wait and try again
                OUTBOX_FAILURES.labels(self._service).inc()
                delay = backoff.next_delay()
                log.warning("outbox relay round failed, retrying in %.1fs: %s", delay, exc)
                await asyncio.sleep(delay)
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
        their order on the partition. Each document's marker is written right after its
        state write, and a collection's markers are read after the documents of the
        collections before it, so the same holds for the markers.
        """
        if self._full_scan_due():
            await self.restore_markers()
        work: list[tuple[dict[str, Any], str, Any]] = []
        idle: dict[str, list[Any]] = {}  # markers whose document has nothing left to send
        for name in self._collections:
            for document_id, document in await self._marked_documents(name, self._batch):
                entries = pending_entries(document) if document is not None else []
                if entries:
                    work.extend((entry, name, document_id) for entry in entries)
                else:
                    idle.setdefault(name, []).append(document_id)
        for name, document_ids in idle.items():
            await self._drop_markers(name, document_ids)
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

    def _full_scan_due(self) -> bool:
        return (self._last_full_scan is None
                or monotonic() - self._last_full_scan >= self._full_scan_interval)

    async def restore_markers(self) -> int:
        """The safety net: scan every collection for documents with pending events and no marker,
        and mark them. Returns how many markers were missing.

        This is the query the markers exist to avoid (a read of the whole collection on
        FerretDB v1), so it runs once when the relay starts and then every
        `full_scan_interval` seconds. A missing marker means a writer stopped between its
        state write and its marker write (or the data predates the markers).
        """
        restored = 0
        for name in self._collections:
            marked = {m["_id"] async for m in self._db[markers_of(name)].find({}, {"_id": 1})}
            async for document in self._db[name].find({PENDING_FIELD: {"$gt": 0}}, {"_id": 1}):
                if document["_id"] not in marked:
                    await mark_pending(self._db[name], document["_id"])
                    restored += 1
        if restored and self._last_full_scan is not None:
            log.warning("outbox relay: %d documents with pending events had no marker; marked them", restored)
        elif restored:
            log.info("outbox relay: marked %d documents with pending events found at start-up", restored)
        self._last_full_scan = monotonic()
        return restored

    async def _marked_documents(self, name: str, limit: int) -> list[tuple[Any, dict[str, Any] | None]]:
        """Up to `limit` marked documents of collection `name`, each with its outbox (None if it is gone)."""
        ids = [m["_id"] async for m in self._db[markers_of(name)].find({}, {"_id": 1}).limit(limit)]
        return list(zip(ids, await self._by_id(name, ids, {OUTBOX_FIELD: 1}), strict=True))

    async def _by_id(self, name: str, ids: list[Any], projection: dict[str, int]) -> list[dict[str, Any] | None]:
        """The documents `ids` of collection `name` (None where one is gone), in that order."""
        documents: list[dict[str, Any] | None] = []
        for start in range(0, len(ids), LOOKUPS_AT_ONCE):
            documents.extend(await asyncio.gather(*(
                self._db[name].find_one({"_id": i}, projection) for i in ids[start:start + LOOKUPS_AT_ONCE])))
        return documents

    async def measure_backlog(self, sample_limit: int = 2000) -> tuple[int, float]:
        """Update the backlog gauges: how many entries wait, and how old the oldest is (seconds)."""
        backlog = 0
        oldest: datetime | None = None
        for name in self._collections:
            for _, document in await self._marked_documents(name, sample_limit):
                for entry in pending_entries(document or {}):
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
                        data_bytes(entry["data"]),
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
        drained: dict[str, list[Any]] = {}
        for entry, collection, document_id in work:
            by_document.setdefault((collection, document_id), {})[entry[ENTRY_KEY]] = None
        for (collection, document_id), keys in by_document.items():
            ids = list(keys)
            # The document's owner may be writing it right now; see DocumentLocks for why we wait.
            async with self._locks.hold(collection, document_id):
                # Only entries still there are removed and counted off: another round (or
                # instance) may have marked them already, and counting twice would hide
                # entries that are still pending.
                if await self._guard.conditions_in_filter():
                    # MongoDB checks the condition in the write and returns what is left.
                    after = await self._db[collection].find_one_and_update(
                        {"_id": document_id, f"{OUTBOX_FIELD}.{ids[0]}": {"$exists": True}}, _removal(ids),
                        projection={PENDING_FIELD: 1}, return_document=ReturnDocument.AFTER)
                    if after is None:
                        continue
                    left = after.get(PENDING_FIELD) or 0
                else:
                    # FerretDB: checked on the document read under the lock (and its findAndModify
                    # takes no projection, so what is left is counted from that read).
                    current = await self._db[collection].find_one({"_id": document_id}, {OUTBOX_FIELD: 1})
                    present = (current or {}).get(OUTBOX_FIELD) or {}
                    ids = [i for i in ids if i in present]
                    if not ids:
                        continue
                    await self._db[collection].update_one({"_id": document_id}, _removal(ids))
                    left = len(present) - len(ids)
                if left <= 0:
                    drained.setdefault(collection, []).append(document_id)
        for collection, document_ids in drained.items():
            await self._drop_markers(collection, document_ids)

    async def _drop_markers(self, collection: str, document_ids: list[Any]) -> None:
        """Remove the markers of documents found with nothing left to send, without losing a new one.

        A writer may stage on such a document at any moment, and find its marker still there
        just before the delete. So the markers are deleted first and the documents read
        again afterwards; one with pending events is marked again. A writer marks after its
        state write, so either that read sees its events, or its marker write comes after
        the delete: no marker goes missing, and no document lock is needed (a writer in
        another process holds none of ours), so a round's deletes go in one command (an
        `$in` over the marker collection, which is small).
        """
        await self._db[markers_of(collection)].delete_many({"_id": {"$in": document_ids}})
        for document_id, current in zip(document_ids, await self._by_id(collection, document_ids, {PENDING_FIELD: 1}),
                                        strict=True):
            if current is not None and (current.get(PENDING_FIELD) or 0) > 0:
                await mark_pending(self._db[collection], document_id)


def _removal(keys: list[str]) -> dict[str, Any]:
    """The update that removes sent entries from an outbox and counts them off."""
    return {"$unset": {f"{OUTBOX_FIELD}.{k}": "" for k in keys}, "$inc": {PENDING_FIELD: -len(keys)}}


def _network_of(entry: dict[str, Any]) -> str | None:
    data = entry.get("data")
    return data.get("network_id") if isinstance(data, dict) else None
