"""The delivery log: one record per (fact, recipient, kind), with every attempt it took.

The record's `_id` is the delivery key, so inserting it is the atomic claim that makes a
mail go out once (see domain.deliveries). It keeps the recipient's id and the address the
mail went to, nothing else personal: the log must answer "did Kari get the reminder, and
where did it go", and the address is the part of that answer a person can check.

Claims and outcomes written while others are in flight go to FerretDB together, one
`insert` of all the claims and one `update` of all the outcomes (persistence.group_commit);
each claim is still its own document with its own unique `_id`, so a claim is won or lost
per delivery exactly as with one insert each, and it is in the database before its mail goes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.persistence.group_commit import GroupCommit
from samla_notifications.adapters.ports import Criteria
from samla_notifications.adapters.queries import matching
from samla_notifications.domain.deliveries import FINAL, ClaimOutcome, DeliveryStatus, LoggedMail, decide_claim

COLLECTION = "deliveries"


async def ensure_delivery_log_indexes(db: AsyncDatabase) -> None:
    for field in ("recipient_id", "event_id", "status"):
        await db[COLLECTION].create_index([(field, ASCENDING), ("created_at", DESCENDING)])
    await db[COLLECTION].create_index([("created_at", DESCENDING)])


def logged_mail_from_document(document: dict[str, Any]) -> LoggedMail:
    """A stored delivery-log record as the typed record callers read."""
    return LoggedMail(
        id=document["_id"], channel=document.get("channel"), kind=document.get("kind"),
        category=document.get("category"), status=document.get("status"), recipient_id=document.get("recipient_id"),
        email=document.get("email"), language=document.get("language"), event_id=document.get("event_id"),
        event_type=document.get("event_type"), fact_id=document.get("fact_id"), network_id=document.get("network_id"),
        attempts=document.get("attempts"), created_at=document.get("created_at"),
        updated_at=document.get("updated_at"), sent_at=document.get("sent_at"))


class DeliveryLog:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._deliveries = db[COLLECTION]
        self._locks = locks
        self._inserts: GroupCommit[dict[str, Any], None] = GroupCommit(self._insert_all)
        self._updates: GroupCommit[tuple[str, dict[str, Any]], None] = GroupCommit(self._update_all)

    async def get(self, key: str) -> LoggedMail | None:
        found = await self._deliveries.find_one({"_id": key})
        return None if found is None else logged_mail_from_document(found)

    async def claim(self, key: str, record: dict[str, Any], *, now: datetime, lease: timedelta) -> ClaimOutcome:
        """Take the right to send this delivery now, or learn that it is done or being sent elsewhere."""
        claim = {"status": DeliveryStatus.SENDING.value, "claimed_at": now, "updated_at": now}
        async with self._locks.hold(COLLECTION, key):
            try:
                await self._inserts({"_id": key, **record, **claim, "created_at": now, "attempts": []})
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
            await self._updates((key, {
                "$set": {"status": status.value, "updated_at": at, "claimed_at": None,
                         **({"sent_at": at} if status is DeliveryStatus.SENT else {})},
                "$push": {"attempts": attempt},
            }))

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

    async def _insert_all(self, documents: list[dict[str, Any]]) -> list[BaseException | None]:
        """One insert of the claims; a claim whose key exists already gets its DuplicateKeyError."""
        try:
            await self._deliveries.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            return _per_document(len(documents), exc)
        return [None] * len(documents)

    async def _update_all(self, updates: list[tuple[str, dict[str, Any]]]) -> list[BaseException | None]:
        try:
            await self._deliveries.bulk_write([UpdateOne({"_id": key}, update) for key, update in updates],
                                              ordered=False)
        except BulkWriteError as exc:
            return _per_document(len(updates), exc)
        return [None] * len(updates)

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[LoggedMail]:
        cursor = self._deliveries.find(matching(filters)).sort("created_at", DESCENDING).skip(offset).limit(limit)
        return [logged_mail_from_document(record) async for record in cursor]


def _per_document(count: int, exc: BulkWriteError) -> list[BaseException | None]:
    """Each document's own outcome of an unordered bulk write: None, or the error its caller raises."""
    outcomes: list[BaseException | None] = [None] * count
    for error in exc.details.get("writeErrors", []):
        message, code = error.get("errmsg", "write failed"), error.get("code")
        outcomes[error["index"]] = (DuplicateKeyError(message, code) if code == 11000
                                    else OperationFailure(message, code))
    return outcomes
