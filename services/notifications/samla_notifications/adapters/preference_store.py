"""People's notification preferences: language, categories turned off, an optional delivery address."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.persistence.document_locks import DocumentLocks

COLLECTION = "preferences"


class PreferenceStore:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._preferences = db[COLLECTION]
        self._locks = locks

    async def get(self, person_id: str) -> dict[str, Any] | None:
        return await self._preferences.find_one({"_id": person_id})

    async def get_many(self, person_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """The preferences of those of these people who set any.

        One look-up by `_id` each, sent together: on FerretDB v1 only those use the index,
        and an `$in` over the same ids scans the whole collection (slower even when empty).
        """
        found = await asyncio.gather(*(self._preferences.find_one({"_id": p}) for p in set(person_ids)))
        return {doc["_id"]: doc for doc in found if doc is not None}

    async def put(self, person_id: str, preferences: dict[str, Any], at: datetime) -> dict[str, Any]:
        async with self._locks.hold(COLLECTION, person_id):
            document = {"_id": person_id, **preferences, "updated_at": at}
            await self._preferences.replace_one({"_id": person_id}, document, upsert=True)
            return document
