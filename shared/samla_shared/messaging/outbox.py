"""The transactional outbox, shaped for FerretDB v1.

FerretDB v1 has no multi-document transactions, so an event cannot live in a separate
outbox collection written "together" with the state it describes. Instead the pending
events live *inside the document whose state changed*, under `outbox.<event id>`, and a
counter `outbox_pending` says how many are waiting. One single-document write therefore
records the state change and the events it causes, or neither.

A map keyed by event id (rather than an array) was chosen because FerretDB v1 ignores
`$pull` with a condition; with a map, the relay removes a sent entry with a conditional
`$unset`, which it does support.

FerretDB v1 rewrites a whole document on every update, at a cost that grows with its
bytes and fields, and an entry stays in its document (rewritten by every later write)
until the relay removed it. A write that stages many events at once (enrollment's cohort
writer: hundreds per batch) therefore stages them *packed*: one entry holding the batch's
events as compressed JSON, instead of one nested entry per event — a few kilobytes in
place of roughly 600 bytes and 20 fields per event. Packing changes the storage only:
the entry is still written in the state's own write, removed after Kafka acknowledged
all its events, and `pending_entries` unpacks it into the same per-event entries.

Finding the documents with work is the other cost. FerretDB v1 uses an index for `_id`
equality only, so `find({outbox_pending: {$gt: 0}})` reads and decodes every document of
the collection (504 ms a round at 2,000 measures, growing with the collection). So a write
that staged events is followed, under the same document lock, by `mark_pending`: an upsert
by `_id` into `<collection>_pending`, a small collection holding one marker per document
with work. The relay reads the markers and then each document by `_id`, and removes a
marker when its document has nothing left to send. The state write and the marker write
are two writes (FerretDB v1 has no multi-document transactions), so a crash between them
leaves events without a marker; the relay's full scan at start-up and every few minutes
re-creates missing markers, so such events are late, never lost (docs/operations.md).
"""

from __future__ import annotations

import json
import time
import uuid
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bson import Binary
from opentelemetry import propagate
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent

OUTBOX_FIELD = "outbox"
PENDING_FIELD = "outbox_pending"
# The key of an unpacked event's entry in the outbox map: its own id, or the id of the pack holding it.
ENTRY_KEY = "outbox_key"
# `<collection>_pending` holds a marker (`_id` = the document's `_id`) per document with staged events.
MARKERS_SUFFIX = "_pending"


def _entry(event: CloudEvent, sequence: int) -> dict[str, Any]:
    return {
        "id": event.id,
        # Wall-clock nanoseconds plus the position within one write order entries across documents.
        "staged_ns": time.time_ns(),
        "sequence": sequence,
        "topic": event.topic,
        "key": event.subject,
        "type": event.type,
        "source": event.source,
        "time": event.time,
        "data": event.data.payload(),
        # The request's trace context is kept so the relay can publish "under" it later.
        "trace": dict(event.trace_headers),
        "attempts": 0,
    }


def _cloud_events(events: tuple[IntegrationEvent, ...], source: str) -> list[CloudEvent]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [CloudEvent(data=e, source=source, trace_headers=carrier) for e in events]


def staged(*events: IntegrationEvent, source: str) -> dict[str, Any]:
    """Update operators that add `events` to a document's outbox; merge them into the state update."""
    clouds = _cloud_events(events, source)
    return {
        "$set": {f"{OUTBOX_FIELD}.{ce.id}": _entry(ce, i) for i, ce in enumerate(clouds)},
        "$inc": {PENDING_FIELD: len(clouds)},
    }


def staged_packed(*events: IntegrationEvent, source: str) -> dict[str, Any]:
    """Like `staged`, but the events go into one compressed entry (for writes that stage many events)."""
    clouds = _cloud_events(events, source)
    if not clouds:
        return {}
    key = uuid.uuid4().hex
    records = [{"id": ce.id, "topic": ce.topic, "key": ce.subject, "type": ce.type, "source": ce.source,
                "time": ce.time.isoformat(), "data": ce.data.payload()} for ce in clouds]
    pack = {
        "id": key,
        "staged_ns": time.time_ns(),
        "sequence": 0,
        "time": clouds[0].time,  # the oldest event's time, for the backlog's age
        "count": len(clouds),
        "trace": dict(clouds[0].trace_headers),
        "packed": Binary(zlib.compress(json.dumps(records, separators=(",", ":")).encode(), 1)),
    }
    return {"$set": {f"{OUTBOX_FIELD}.{key}": pack}, "$inc": {PENDING_FIELD: 1}}


def new_document_outbox(*events: IntegrationEvent, source: str) -> dict[str, Any]:
    """Fields for a document inserted together with its first events."""
    clouds = _cloud_events(events, source)
    return {
        OUTBOX_FIELD: {ce.id: _entry(ce, i) for i, ce in enumerate(clouds)},
        PENDING_FIELD: len(clouds),
    }


def merge_updates(*updates: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Combine update documents operator by operator (e.g. a state `$set` with the outbox's)."""
    merged: dict[str, dict[str, Any]] = {}
    for update in updates:
        for operator, fields in update.items():
            target = merged.setdefault(operator, {})
            overlap = target.keys() & fields.keys()
            if overlap:
                raise ValueError(f"conflicting updates of {sorted(overlap)} under {operator}")
            target.update(fields)
    return merged


def pending_entries(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A document's pending events, one entry each (packs unpacked), in the order they were staged.

    Each carries `outbox_key`, the key under which it waits in the document's outbox.
    """
    entries: list[dict[str, Any]] = []
    for key, entry in (document.get(OUTBOX_FIELD) or {}).items():
        if "packed" in entry:
            entries.extend(_unpacked(key, entry))
        else:
            entries.append(entry | {ENTRY_KEY: key})
    return sorted(entries, key=staging_order)


def _unpacked(key: str, pack: Mapping[str, Any]) -> list[dict[str, Any]]:
    records = json.loads(zlib.decompress(pack["packed"]))
    return [record | {ENTRY_KEY: key, "staged_ns": pack["staged_ns"], "sequence": i,
                      "time": datetime.fromisoformat(record["time"]), "trace": pack.get("trace") or {}}
            for i, record in enumerate(records)]


def staging_order(entry: Mapping[str, Any]) -> tuple[int, int]:
    return entry["staged_ns"], entry["sequence"]


def markers_of(collection: str) -> str:
    """The name of the collection holding the pending markers of `collection`."""
    return f"{collection}{MARKERS_SUFFIX}"


def stages_events(write: Mapping[str, Any]) -> bool:
    """Whether an update (`$inc` of the counter) or an inserted document leaves events pending."""
    return (write.get("$inc") or {}).get(PENDING_FIELD, 0) > 0 or (write.get(PENDING_FIELD) or 0) > 0


async def mark_pending(collection: AsyncCollection, document_id: Any, write: Mapping[str, Any] | None = None) -> None:
    """Tell the relay that `document_id` has events to send: call it right after the write that
    staged them, under the same document lock. With `write` (the update or inserted document),
    nothing is written when it staged no events.

    An upsert by `_id`, so FerretDB answers it from its `_id` index; a marker that is there
    already is left as it is (`$setOnInsert`), so a busy document costs one index lookup.
    """
    if write is not None and not stages_events(write):
        return
    markers = collection.database[markers_of(collection.name)]
    try:
        await markers.update_one({"_id": document_id}, {"$setOnInsert": {"since": datetime.now(UTC)}}, upsert=True)
    except DuplicateKeyError:
        pass  # two upserts of a new marker at once (the relay's scan restoring it): one inserted it, as wanted
