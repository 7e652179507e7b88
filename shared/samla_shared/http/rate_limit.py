"""The anonymous form's rate limit, shared by every instance of a service through its MongoDB.

A limit kept in each process's memory grows with the number of instances and forgets on a
restart. Here each anonymous use takes a numbered slot in the client's current window: the
slot is a document whose `_id` is `client|window|n`, and inserting it either succeeds or
fails on the unique `_id`. The insert is atomic in FerretDB too (unlike a read-modify-write
counter, which two instances could both read as 4 and both write as 5), and it is an index
lookup. A client with `limit` slots taken in the window gets 429 until the window ends.

Windows are fixed: `burst` uses per `burst / per_minute` minutes, which keeps both the
settings' burst and their average rate.

Behind a reverse proxy every request comes from the proxy's address; the client's own
address is then taken from X-Forwarded-For, but only when the request really comes from a
configured trusted proxy: anyone else could write any address there and start afresh.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError
from starlette.requests import Request

COLLECTION = "rate_limit_slots"


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        self._networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def client_of(self, request: Request) -> str:
        """The client's address: the socket's, or, from a trusted proxy, the nearest untrusted hop."""
        peer = request.client.host if request.client else "unknown"
        if not self._trusted(peer):
            return peer
        hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
        # Read from the right: the last entries were written by our own proxies; the first
        # one they did not write is the client as our edge saw it. Anything left of it is the
        # client's own claim.
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return peer


class SharedRateLimit:
    def __init__(self, db: AsyncDatabase, *, burst: int, per_minute: float, collection: str = COLLECTION) -> None:
        # One collection per limit: windows of different lengths are numbered differently, and
        # each limit sweeps its own earlier windows.
        self._slots = db[collection]
        self.limit = burst
        self.window = max(1.0, burst / per_minute * 60.0)
        self._hint: dict[str, int] = {}  # where this process starts probing in a window
        self._hint_window = -1
        self._swept_window = -1

    async def take(self, client: str) -> float:
        """Take one use for `client`; 0 when granted, otherwise the seconds until its window ends."""
        now = time.time()
        window = int(now // self.window)
        if window != self._hint_window:
            self._hint, self._hint_window = {}, window
        if window != self._swept_window:
            self._swept_window = window
            # Earlier windows say nothing any more; the collection stays the size of one window.
            await self._slots.delete_many({"window": {"$lt": window}})
        key = f"{client}|{window}"
        for n in range(self._hint.get(key, 0), self.limit):
            try:
                await self._slots.insert_one({"_id": f"{key}|{n}", "window": window})
            except DuplicateKeyError:
                continue  # another request (maybe another instance) took this slot
            self._hint[key] = n + 1
            return 0.0
        self._hint[key] = self.limit
        return max(1.0, math.ceil((window + 1) * self.window - now))
