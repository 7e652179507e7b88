"""Reminders waiting for their moment, stored so that they survive a restart.

A reminder is one row per (subject, recipient, offset): a session's 7-day reminder for one
participant, or a measure's follow-up reminder for one person. Each row names the fact it
reports (`fact_id`); when a session moves, its rows are replaced by rows for the new time,
which are new facts and so are mailed even if the old ones had gone out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.adapters.ports import Criteria
from samla_notifications.adapters.queries import matching

COLLECTION = "reminders"
PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"  # its subject went away (session cancelled or over) before it fired
FAILED = "failed"    # it could not be rendered; the delivery log says why
# Otherwise a closed reminder carries its delivery's outcome: sent, opted_out, no_contact, expired, rejected.


class ReminderStore:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._reminders = db[COLLECTION]
        self._locks = locks

    async def ensure_indexes(self) -> None:
        await self._reminders.create_index([("status", ASCENDING), ("fire_at", ASCENDING)])
        await self._reminders.create_index([("session_id", ASCENDING)])
        await self._reminders.create_index([("measure_id", ASCENDING)])
        await self._reminders.create_index([("recipient_id", ASCENDING)])

    async def add(self, reminders: Iterable[dict[str, Any]]) -> None:
        """Insert reminders; ones that already exist (a redelivered event) are left as they are."""
        rows = list(reminders)
        if not rows:
            return
        try:
            await self._reminders.insert_many(rows, ordered=False)
        except BulkWriteError as exc:
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                raise

    async def replace(self, selector: Criteria, reminders: Iterable[dict[str, Any]]) -> None:
        """Drop every reminder matching `selector` and store `reminders` instead.

        Two steps, not one: if the process dies between them, the event that caused the
        change was not acknowledged yet and is delivered again, which redoes both.
        """
        await self._reminders.delete_many(matching(selector))
        await self.add(reminders)

    async def drop(self, selector: Criteria) -> int:
        return (await self._reminders.delete_many(matching(selector))).deleted_count

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        cursor = self._reminders.find({"status": PENDING, "fire_at": {"$lte": now}}).sort("fire_at", ASCENDING)
        return [reminder async for reminder in cursor.limit(limit)]

    async def mark(self, reminder: dict[str, Any], status: str, at: datetime) -> None:
        """Close a reminder, unless it was replaced meanwhile (then the new row stays pending)."""
        async with self._locks.hold(COLLECTION, reminder["_id"]):
            await self._reminders.update_one({"_id": reminder["_id"], "fact_id": reminder["fact_id"]},
                                             {"$set": {"status": status, "closed_at": at}})

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self._reminders.find(matching(filters)).sort("fire_at", ASCENDING).skip(offset).limit(limit)
        return [reminder async for reminder in cursor]
