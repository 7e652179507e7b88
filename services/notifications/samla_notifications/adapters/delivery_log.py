"""The delivery log: one record per (fact, recipient, kind), with every attempt it took.

The record's `_id` is the delivery key, so inserting it is the atomic claim that makes a
mail go out once (see domain.deliveries). It keeps the recipient's id and the address the
mail went to, nothing else personal: the log must answer "did Kari get the reminder, and
where did it go", and the address is the part of that answer a person can check.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.domain.deliveries import FINAL, ClaimOutcome, DeliveryStatus, decide_claim

COLLECTION = "deliveries"


class DeliveryLog:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._deliveries = db[COLLECTION]
        self._locks = locks

    async def ensure_indexes(self) -> None:
        for field in ("recipient_id", "event_id", "status"):
            await self._deliveries.create_index([(field, ASCENDING), ("created_at", DESCENDING)])
        await self._deliveries.create_index([("created_at", DESCENDING)])

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self._deliveries.find_one({"_id": key})

    async def claim(self, key: str, record: dict[str, Any], *, now: datetime, lease: timedelta) -> ClaimOutcome:
        """Take the right to send this delivery now, or learn that it is done or being sent elsewhere."""
        claim = {"status": DeliveryStatus.SENDING.value, "claimed_at": now, "updated_at": now}
        async with self._locks.hold(COLLECTION, key):
            try:
                await self._deliveries.insert_one({"_id": key, **record, **claim, "created_at": now, "attempts": []})
                return ClaimOutcome.SEND
            except DuplicateKeyError:
                existing = await self._deliveries.find_one({"_id": key})
            if existing is None:  # removed in between; treat as a fresh claim next time
                return ClaimOutcome.WAIT
            outcome = decide_claim(existing["status"], existing.get("claimed_at"), now, lease)
            if outcome is ClaimOutcome.SEND:
                update: dict[str, Any] = {"$set": {**record, **claim}}
                if existing["status"] == DeliveryStatus.SENDING:
                    # The previous claimant vanished without recording an outcome (a crash).
                    update["$push"] = {"attempts": {"at": existing["claimed_at"], "outcome": "interrupted",
                                                    "error": "the sender stopped before recording the outcome"}}
                await self._deliveries.update_one({"_id": key}, update)
            return outcome

    async def finish(self, key: str, status: DeliveryStatus, *, at: datetime, error: str | None = None) -> None:
        """Record the outcome of the attempt that holds the claim."""
        attempt = {"at": at, "outcome": status.value, **({"error": error[:1000]} if error else {})}
        async with self._locks.hold(COLLECTION, key):
            await self._deliveries.update_one({"_id": key}, {
                "$set": {"status": status.value, "updated_at": at, "claimed_at": None,
                         **({"sent_at": at} if status is DeliveryStatus.SENT else {})},
                "$push": {"attempts": attempt},
            })

    async def record(self, key: str, record: dict[str, Any], status: DeliveryStatus, *, at: datetime,
                     error: str | None = None) -> None:
        """Record an outcome reached without sending (opted out, no contact, template failure)."""
        attempt = {"at": at, "outcome": status.value, **({"error": error[:1000]} if error else {})}
        async with self._locks.hold(COLLECTION, key):
            try:  # the common case is a first outcome: one insert, no read
                await self._deliveries.insert_one({"_id": key, **record, "status": status.value, "created_at": at,
                                                   "updated_at": at, "claimed_at": None, "attempts": [attempt]})
                return
            except DuplicateKeyError:
                existing = await self._deliveries.find_one({"_id": key}, {"status": 1})
            if existing is not None and existing["status"] in FINAL:
                return
            await self._deliveries.update_one({"_id": key}, {
                "$set": {**record, "status": status.value, "updated_at": at}, "$push": {"attempts": attempt}})

    async def search(self, filters: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self._deliveries.find(filters).sort("created_at", DESCENDING).skip(offset).limit(limit)
        return [record async for record in cursor]
