"""MongoDB read models of the sessions service, built from enrollment's events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

OUTBOX_COLLECTIONS = ("sessions",)


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db.roster.create_index([("cohort_id", ASCENDING), ("status", ASCENDING)])
    await db.sessions.create_index([("outbox_pending", ASCENDING)])


class RosterStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def advance(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        """Apply a roster change unless an equal or newer change of the cohort was applied already.

        The entry id is derived from the application, so an upsert that finds the entry
        already at `sequence` or beyond fails on the unique `_id` and changes nothing.
        """
        try:
            result = await self.db.roster.update_one(
                {"_id": f"{cohort_id}:{application_id}", "cohort_sequence": {"$lt": sequence}},
                {"$set": {**fields, "cohort_id": cohort_id, "application_id": application_id,
                          "cohort_sequence": sequence}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return result.modified_count == 1 or result.upserted_id is not None

    async def members(self, cohort_id: str, status: str | None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"cohort_id": cohort_id}
        if status:
            query["status"] = status
        cursor = self.db.roster.find(query).sort("enrolled_at", ASCENDING)
        return [doc async for doc in cursor]

    async def remember(self, collection: str, document_id: str, fields: dict[str, Any], version_at: datetime) -> None:
        """Keep the latest known state of another context's aggregate (programme, cohort)."""
        try:
            await self.db[collection].update_one(
                {"_id": document_id, "as_of": {"$lt": version_at}},
                {"$set": {**fields, "as_of": version_at}},
                upsert=True,
            )
        except DuplicateKeyError:
            pass  # a newer state is already known

    async def known(self, collection: str, document_id: str) -> dict[str, Any] | None:
        return await self.db[collection].find_one({"_id": document_id})
