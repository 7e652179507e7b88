"""The transactional outbox, shaped for FerretDB v1.

FerretDB v1 has no multi-document transactions, so an event cannot live in a separate
outbox collection written "together" with the state it describes. Instead the pending
events live *inside the document whose state changed*, under `outbox.<event id>`, and a
counter `outbox_pending` says how many are waiting. One single-document write therefore
records the state change and the events it causes, or neither.

A map keyed by event id (rather than an array) was chosen because FerretDB v1 ignores
`$pull` with a condition; with a map, the relay removes a sent entry with a conditional
`$unset`, which it does support.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import propagate

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent

OUTBOX_FIELD = "outbox"
PENDING_FIELD = "outbox_pending"


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
    """A document's pending entries in the order they were staged."""
    entries = list((document.get(OUTBOX_FIELD) or {}).values())
    return sorted(entries, key=staging_order)


def staging_order(entry: Mapping[str, Any]) -> tuple[int, int]:
    return entry["staged_ns"], entry["sequence"]
