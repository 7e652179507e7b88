"""Idempotent consumption: a redelivered event changes nothing a second time.

The preferred form records "this event was applied" in the same document the effect
changes, in the same single-document write (FerretDB v1 has no multi-document
transactions). `unless_applied` goes in the filter and `mark_applied` in the update: a
redelivery then matches no document and the write is a no-op.
"""

from __future__ import annotations

from typing import Any

APPLIED_FIELD = "applied_events"


def unless_applied(event_id: str) -> dict[str, Any]:
    """Filter fragment matching the document only if the event has not been applied to it."""
    return {APPLIED_FIELD: {"$ne": event_id}}


def mark_applied(event_id: str) -> dict[str, Any]:
    """Update fragment recording that the event was applied (merge with the effect's update)."""
    return {"$push": {APPLIED_FIELD: event_id}}
