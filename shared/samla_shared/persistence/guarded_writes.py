"""Conditional single-document writes that stay cheap on FerretDB v1 and atomic on MongoDB.

FerretDB v1 (SQLite handler) pushes a filter down to SQLite only when it is a bare `_id`
equality (an index lookup with the stack's patched build, infra/ferretdb); add any other
condition (`version: 3`, `outbox.<id>: {$exists: true}`) and it reads and decodes every
document of the collection (its explain says `filterPushdown: false`). It also checks such
conditions before, not during, the write (see DocumentLocks). So there a condition in the
filter costs a collection scan per write and protects nothing the document lock does not
already protect: every writer of these documents holds the lock and checks the condition
on the document it read under it.

On MongoDB the condition stays in the filter, where it is atomic and served by the `_id`
index. Which server answers is asked once (`buildInfo` names FerretDB's version).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


class WriteGuard:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db
        self._conditions_in_filter: bool | None = None

    async def conditions_in_filter(self) -> bool:
        """True where the server checks a write's conditions itself; False where the caller must, under its lock."""
        if self._conditions_in_filter is None:
            info = await self._db.client.admin.command("buildInfo")
            self._conditions_in_filter = "ferretdbVersion" not in info
        return self._conditions_in_filter

    async def filter(self, document_id: Any, conditions: dict[str, Any]) -> dict[str, Any]:
        """The filter of a write of `document_id` that the caller has checked `conditions` for, under its lock."""
        return {"_id": document_id, **conditions} if await self.conditions_in_filter() else {"_id": document_id}
