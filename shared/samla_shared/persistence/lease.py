"""A lease that lets one process of several do a job (relay an outbox, write a cohort), with fencing.

Each term of a lease is its own document, `_id` "<name>:<term>", and a term is taken only by
*inserting* that document. An insert with a given `_id` is atomic on MongoDB and on FerretDB
v1 alike (SQLite enforces the primary key), whereas an update is not atomic on FerretDB
(read-modify-write, see DocumentLocks): two processes taking over an expired lease by
updating one document could both believe they won. With one document per term, of two
contenders for term n+1 exactly one insert succeeds, the other gets a duplicate key.

The term number is the fencing token. Only the holder writes its term document (to renew
it), so no two processes ever update one document. "Am I still the holder?" is one `_id`
lookup (does term n+1 exist?), cheap on FerretDB, where only `_id` filters use an index.

Expiry compares the holder's recorded deadline with the contender's clock, so clocks must
agree to well within the lease time (NTP gives milliseconds; the default lease is 10 s).
A holder that was paused (SIGSTOP, a long GC, a VM migration) past its deadline may still
finish the step it had begun; what that costs is stated by each user of the lease
(docs/scale-out.md: for the outbox relay, a duplicate record, never a lost or reordered one).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

log = logging.getLogger("samla.lease")

LEASES = "leases"
# Terms older than the current one minus this many are deleted by the holder, so that the
# collection (scanned to find the newest term on a cold start) stays small.
KEPT_TERMS = 2


def instance_id() -> str:
    """Who holds a lease, for people reading the collection: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, db: AsyncDatabase, name: str, *, seconds: float = 10.0, holder: str | None = None,
                 address: str | None = None) -> None:
        if ":" in name:
            raise ValueError("a lease name may not contain ':' (it separates the term)")
        self._leases = db[LEASES]
        self.name = name
        self.seconds = seconds
        self.holder = holder or instance_id()
        # Where the other instances reach the holder (its URL), recorded with each term it takes.
        self.address = address
        self.token: int | None = None
        # The newest term this process has seen, so it looks ahead by `_id` instead of scanning.
        self._seen = 0

    def _id(self, term: int) -> str:
        return f"{self.name}:{term}"

    async def hold(self) -> int | None:
        """Take or renew the lease. Returns the fencing token while this process holds it, else None."""
        now = datetime.now(UTC)
        if self.token is not None:
            if await self.is_current(self.token):
                await self._leases.update_one({"_id": self._id(self.token)},
                                              {"$set": {"expires": now + timedelta(seconds=self.seconds)}})
                return self.token
            log.warning("lease %s: term %d was taken over by another instance", self.name, self.token)
            self.token = None
        newest = await self._newest()
        if newest is not None:
            if _expiry(newest) > now:
                return None
        term = (newest["term"] if newest else 0) + 1
        try:
            await self._leases.insert_one({"_id": self._id(term), "name": self.name, "term": term,
                                           "holder": self.holder, "address": self.address, "taken": now,
                                           "expires": now + timedelta(seconds=self.seconds)})
        except DuplicateKeyError:
            self._seen = term
            return None
        self.token = self._seen = term
        log.info("lease %s: term %d taken by %s", self.name, term, self.holder)
        await self._leases.delete_many({"name": self.name, "term": {"$lt": term - KEPT_TERMS}})
        return term

    async def is_current(self, token: int) -> bool:
        """The fence: true while no later term exists and this term has not run out."""
        if await self._leases.find_one({"_id": self._id(token + 1)}, {"_id": 1}) is not None:
            return False
        mine = await self._leases.find_one({"_id": self._id(token)})
        if mine is None:
            return False
        return _expiry(mine) > datetime.now(UTC)

    async def release(self) -> None:
        """Let another instance take over now instead of after the lease time (a clean shutdown)."""
        if self.token is not None:
            await self._leases.update_one({"_id": self._id(self.token)}, {"$set": {"expires": datetime.now(UTC)}})
            self.token = None

    async def current_holder(self) -> dict | None:
        """The newest term's document while it has not run out (whoever holds it), else None."""
        newest = await self._newest()
        if newest is None:
            return None
        return newest if _expiry(newest) > datetime.now(UTC) else None

    async def _newest(self) -> dict | None:
        # Look ahead by `_id` from the newest term seen (index lookups); scan only when nothing is known.
        if self._seen:
            current = await self._leases.find_one({"_id": self._id(self._seen)})
            if current is not None:
                while (following := await self._leases.find_one({"_id": self._id(current["term"] + 1)})) is not None:
                    current = following
                self._seen = current["term"]
                return current
        newest = await self._leases.find_one({"name": self.name}, sort=[("term", -1)])
        if newest is not None:
            self._seen = newest["term"]
        return newest


def _expiry(term: dict) -> datetime:
    # PyMongo hands back naive datetimes unless the client is tz-aware; they are UTC.
    expires = term["expires"]
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)
