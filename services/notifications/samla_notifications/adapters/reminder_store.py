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
from samla_notifications.domain.reminders import Reminder

COLLECTION = "reminders"
PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"  # its subject went away (session cancelled or over) before it fired
FAILED = "failed"    # it could not be rendered; the delivery log says why
# Otherwise a closed reminder carries its delivery's outcome: sent, opted_out, no_contact, expired, rejected.


async def ensure_reminder_indexes(db: AsyncDatabase) -> None:
    await db[COLLECTION].create_index([("status", ASCENDING), ("fire_at", ASCENDING)])
    await db[COLLECTION].create_index([("session_id", ASCENDING)])
    await db[COLLECTION].create_index([("measure_id", ASCENDING)])
    await db[COLLECTION].create_index([("recipient_id", ASCENDING)])


def reminder_from_document(document: dict[str, Any]) -> Reminder:
    """A stored row as the typed record the use cases read."""
    return Reminder(
        id=document["_id"], kind=document["kind"], recipient_id=document["recipient_id"],
        fire_at=document["fire_at"], fact_id=document["fact_id"], event_id=document["event_id"],
        network_id=document["network_id"], status=document["status"], session_id=document.get("session_id"),
        cohort_id=document.get("cohort_id"), measure_id=document.get("measure_id"),
        application_id=document.get("application_id"), days_before=document.get("days_before"),
        due_on=document.get("due_on"), step=document.get("step", 1), team_id=document.get("team_id"),
        waiting_days=document.get("waiting_days"))


class ReminderStore:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._reminders = db[COLLECTION]
        self._locks = locks

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

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        cursor = self._reminders.find({"status": PENDING, "fire_at": {"$lte": now}}).sort("fire_at", ASCENDING)
        return [reminder_from_document(row) async for row in cursor.limit(limit)]

    async def mark(self, reminder: Reminder, status: str, at: datetime) -> None:
        """Close a reminder, unless it was replaced meanwhile (then the new row stays pending)."""
        async with self._locks.hold(COLLECTION, reminder.id):
            await self._reminders.update_one({"_id": reminder.id, "fact_id": reminder.fact_id},
                                             {"$set": {"status": status, "closed_at": at}})

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[Reminder]:
        cursor = self._reminders.find(matching(filters)).sort("fire_at", ASCENDING).skip(offset).limit(limit)
        return [reminder_from_document(row) async for row in cursor]
