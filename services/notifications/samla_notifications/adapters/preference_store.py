"""People's notification preferences: language, categories turned off, an optional delivery address."""

from __future__ import annotations

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

    async def put(self, person_id: str, preferences: dict[str, Any], at: datetime) -> dict[str, Any]:
        async with self._locks.hold(COLLECTION, person_id):
            document = {"_id": person_id, **preferences, "updated_at": at}
            await self._preferences.replace_one({"_id": person_id}, document, upsert=True)
            return document
