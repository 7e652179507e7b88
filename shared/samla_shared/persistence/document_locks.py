"""Per-document write serialisation, because FerretDB v1 updates are read-modify-write.

FerretDB v1.24 (SQLite handler) executes `update`/`findAndModify` by querying the document,
applying the operators in Go and writing the whole document back (handler/msg_update.go →
common.UpdateDocument → backend UpdateAll); the read and the write are not one
transaction. Two concurrent updates of one document can therefore lose one of them, and a
conditional filter (`version: v`) is checked before, not during, the write. MongoDB does
not have this problem, but the local stack and CI run FerretDB.

So every writer of a document in a service process takes that document's lock for its
read-modify-write, the outbox relay included. Across processes the rule is one writer per
aggregate: consumers get it from partition ownership (the key is the aggregate id), and
the HTTP side of a service runs as one instance per deployment on FerretDB. Inserts need
no lock: a unique index (including `_id`) is enforced atomically by SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class DocumentLocks:
    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

    @asynccontextmanager
    async def hold(self, collection: str, document_id: Hashable) -> AsyncIterator[None]:
        key = (collection, document_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:  # forget idle locks so the registry does not grow without bound
                del self._users[key]
                del self._locks[key]
