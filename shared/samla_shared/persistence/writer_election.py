"""Which instance of a service writes: the holder of the service's writer lease.

With several instances of a service, every write of a document must come from one process:
FerretDB v1 executes an update as read, apply, write back without a transaction, and the
services serialise writes of one document with in-process locks (DocumentLocks), the
enrollment cohort writer keeps a cohort's seating in memory between batches, and the
outbox relay removes sent entries from the documents the writer stages them in. So one
instance, elected by a lease (samla_shared.persistence.lease), is the *writer*: it prepares
the database (indexes, reconciliation of what a stopped writer left), consumes events, runs
the relay and the periodic work, and takes every HTTP write. The others are *standbys*:
they serve reads from the same database and forward writes to the writer
(samla_shared.http.writer_forwarding), and one of them takes over when the writer's lease
runs out. docs/scale-out.md says why this holds on FerretDB and on MongoDB and what it costs.

A writer that finds its lease taken (it was paused past its lease time) cannot trust what
it holds in memory, and a rejoin would need every component to start afresh: it stops its
process instead, and the orchestrator starts it again, as a standby.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.persistence.lease import Lease

log = logging.getLogger("samla.writer_election")


class NoLongerWriter(Exception):
    """This instance was the writer and another has taken over: the write was not done (503, retry)."""


def _stop_this_process() -> None:
    # SIGTERM, not exit: uvicorn then shuts down in order (background work, Kafka, MongoDB).
    os.kill(os.getpid(), signal.SIGTERM)


class WriterElection:
    def __init__(self, db: AsyncDatabase, service: str, *, seconds: float, address: str,
                 on_deposed: Callable[[], None] = _stop_this_process) -> None:
        self.lease = Lease(db, f"{service}-writer", seconds=seconds, address=address)
        self.is_writer = False
        self._on_deposed = on_deposed
        self._known_writer: tuple[float, str | None] = (0.0, None)

    async def run(self, on_elected: Callable[[], Awaitable[None]]) -> None:
        """Campaign, then renew, every third of the lease time; `on_elected` runs once, when elected."""
        interval = self.lease.seconds / 3
        while True:
            try:
                token = await self.lease.hold()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database unreachable: nobody can write; a writer keeps its term if it can
                log.warning("writer lease of %s: %s", self.lease.name, exc)
                await asyncio.sleep(interval)
                continue
            if token is not None and not self.is_writer:
                self.is_writer = True
                log.info("this instance writes for %s (term %d)", self.lease.name, token)
                await on_elected()
            elif token is None and self.is_writer:
                log.error("the writer lease %s was taken over; stopping this instance so that it starts "
                          "again as a standby", self.lease.name)
                self.is_writer = False
                self._on_deposed()
                return
            await asyncio.sleep(interval)

    async def still_writer(self) -> bool:
        """The fence, asked just before a decisive write: is this instance's term still the current one?

        Two `_id` lookups. It narrows what a writer paused past its lease can still do from a
        renewal interval to the one write it was about to make (docs/scale-out.md)."""
        token = self.lease.token
        return self.is_writer and token is not None and await self.lease.is_current(token)

    async def writer_address(self) -> str | None:
        """The current writer's URL, looked up at most about once a second (forwarding asks per request)."""
        looked_at, address = self._known_writer
        if time.monotonic() - looked_at < 1.0 and address is not None:
            return address
        holder = await self.lease.current_holder()
        address = holder.get("address") if holder else None
        self._known_writer = (time.monotonic(), address)
        return address

    async def resign(self) -> None:
        """On a clean stop: let a standby take over now rather than after the lease time."""
        if self.is_writer:
            self.is_writer = False
            await self.lease.release()
