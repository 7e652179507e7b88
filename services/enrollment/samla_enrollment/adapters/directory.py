"""MongoDB persistence of the directory: one collection per kind of entry, each with its outbox.

The collections are small (a network has tens of organisations, an organisation tens of
units), so the scans FerretDB makes for a search or a list by parent are cheap; names
for a page of applications are read by `_id`, which is index-backed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.messaging.outbox import OUTBOX_FIELD, mark_pending, merge_updates, new_document_outbox, staged

# In the order the relay empties them: a network's registration before its organisations'.
DIRECTORY_COLLECTIONS = ("networks", "organisations", "units")


class DirectoryStore:
    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    async def add(self, kind: str, entry: dict[str, Any], event: IntegrationEvent) -> bool:
        """Insert the entry with its event; False if its id is taken."""
        document = entry | new_document_outbox(event, source=self.source)
        try:
            await self.db[kind].insert_one(document)
        except DuplicateKeyError:
            return False
        await mark_pending(self.db[kind], document["_id"], document)
        return True

    async def get(self, kind: str, entry_id: str) -> dict[str, Any] | None:
        return await self.db[kind].find_one({"_id": entry_id}, {OUTBOX_FIELD: 0})

    async def save(self, kind: str, entry_id: str, fields: Mapping[str, Any], at: datetime,
                   event: IntegrationEvent) -> None:
        """Write the changes and their event in one write. The caller holds the entry's lock."""
        update = merge_updates({"$set": {**fields, "updated_at": at}}, staged(event, source=self.source))
        await self.db[kind].update_one({"_id": entry_id}, update)
        await mark_pending(self.db[kind], entry_id, update)

    async def find(self, kind: str, *, under: Mapping[str, Sequence[str]], q: str | None, offset: int,
                   limit: int) -> list[dict[str, Any]]:
        """Entries whose parent fields (`under`: field → any of these ids) match and that match `q`, by name."""
        filters: dict[str, Any] = {field: ids[0] if len(ids) == 1 else {"$in": list(ids)}
                                   for field, ids in under.items()}
        if q:
            words = {"$regex": re.escape(q.strip()), "$options": "i"}
            filters = filters | {"$or": [{"name": words}, {"_id": q.strip()}, {"organisation_number": q.strip()}]}
        cursor = self.db[kind].find(filters, {OUTBOX_FIELD: 0})
        return [doc async for doc in cursor.sort([("name", ASCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)]

    async def names(self, kind: str, entry_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted({i for i in entry_ids if i})
        if not ids:
            return {}
        return {doc["_id"]: doc["name"] async for doc in self.db[kind].find({"_id": {"$in": ids}}, {"name": 1})}
