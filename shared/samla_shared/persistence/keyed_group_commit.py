"""Keyed group commit: commands on one key (one document) queued, applied a batch at a time, written once per batch.

`GroupCommit` (group_commit.py) sends many callers' *independent* single-document writes
as one database command; the writes need no order among themselves. `KeyedGroupCommit`
is the other grouping: many callers' commands on the *same* document (a cohort, say),
which must be applied in arrival order by one writer. One task per busy key takes what is
queued under it (at most `max_batch`), has the owner `prepare` the batch (apply the
commands in memory, do any writes that come before the document's) and then `commit` it
(the one write of the document). Nothing waits for a batch to fill: a lone command goes
at once, and whatever arrives meanwhile makes the next batch.

The two stages are pipelined: batch k+1 is prepared on top of batch k while k's commit is
under way, and committed only after k's succeeded; if k's commit failed, k+1 fails with
the same exception (it was built on a state that was never written).

Each caller gets its own outcome: `prepare` sets `result` or `error` on each `Queued`
(a refused command does not fail the others), and both are handed out only once the
batch is committed. An exception raised by `prepare` or `commit` fails the whole batch;
the owner hears of it first through `failed` (to forget what it holds in memory, say). A
caller that goes away does not withdraw its command: it takes effect all the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Command = TypeVar("Command")
Prepared = TypeVar("Prepared")


@dataclass
class Queued(Generic[Command]):
    """One caller's command, and the outcome `prepare` decided for it."""

    command: Command
    future: asyncio.Future[Any] = field(repr=False)
    result: Any = None
    error: BaseException | None = None


# Applies a batch in memory (setting each item's result or error); returns what `commit` writes,
# or None when there is nothing to commit and the outcomes can be handed out at once.
Prepare = Callable[[Key, list[Queued[Command]]], Awaitable[Prepared | None]]
Commit = Callable[[Key, Prepared, list[Queued[Command]]], Awaitable[None]]
Failed = Callable[[Key, list[Queued[Command]], Exception], None]


class KeyedGroupCommit(Generic[Key, Command, Prepared]):
    def __init__(self, *, prepare: Prepare[Key, Command, Prepared], commit: Commit[Key, Prepared, Command],
                 failed: Failed[Key, Command] | None = None, max_batch: int = 500, name: str = "keyed-group-commit"
                 ) -> None:
        self._prepare = prepare
        self._commit = commit
        self._failed = failed
        self._max_batch = max_batch
        self._name = name
        self._queues: dict[Key, list[Queued[Command]]] = {}
        self._drainers: dict[Key, asyncio.Task[None]] = {}
        self._arrivals: dict[Key, asyncio.Event] = {}  # wakes a drain waiting on a commit
        self._committing: set[asyncio.Task[Exception | None]] = set()
        # Every caller's future until it is answered: queued, being prepared or being committed.
        self._unanswered: set[asyncio.Future[Any]] = set()

    async def submit(self, key: Key, command: Command) -> Any:
        """Queue `command` under `key` and wait until the batch that carries it is committed."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._unanswered.add(future)
        future.add_done_callback(self._unanswered.discard)
        self._queues.setdefault(key, []).append(Queued(command, future))
        if key in self._arrivals:
            self._arrivals[key].set()
        if key not in self._drainers:
            self._drainers[key] = asyncio.create_task(self._drain(key), name=f"{self._name}:{key}")
        return await future

    async def close(self) -> None:
        """Stop every drain and every commit under way; each caller not yet answered gets CancelledError.

        A commit cut short may or may not have reached the database, as with a crash: the
        owner must cope with that at its next start anyway (CohortWriter reconciles).
        """
        tasks = [*self._drainers.values(), *self._committing]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for future in list(self._unanswered):
            future.cancel()
        self._queues.clear()

    async def _drain(self, key: Key) -> None:
        committing: asyncio.Task[Exception | None] | None = None
        arrived = self._arrivals.setdefault(key, asyncio.Event())
        try:
            while True:
                queue = self._queues.get(key)
                if not queue:
                    if committing is None:
                        break
                    # Nothing to prepare yet: wait for new commands or for the commit, whichever comes first.
                    arrived.clear()
                    arrival = asyncio.ensure_future(arrived.wait())
                    try:
                        await asyncio.wait((committing, arrival), return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        arrival.cancel()
                    if committing.done():
                        committing = None
                    continue
                batch, self._queues[key] = queue[:self._max_batch], queue[self._max_batch:]
                prepared = await self._prepared(key, batch)
                if committing is not None:
                    failure, committing = await committing, None
                    if failure is not None and prepared is not None:  # built on a batch that was not written
                        self._fail(key, batch, failure)
                        prepared = None
                if prepared is not None:
                    committing = asyncio.create_task(self._committed(key, prepared, batch))
                    self._committing.add(committing)
                    committing.add_done_callback(self._committing.discard)
        finally:
            # No await between the last look at the queue and here, so nothing queued is stranded.
            self._drainers.pop(key, None)
            if not self._queues.get(key):
                self._queues.pop(key, None)
                self._arrivals.pop(key, None)

    async def _prepared(self, key: Key, batch: list[Queued[Command]]) -> Prepared | None:
        """The batch applied in memory; None when it failed or needs no commit (its callers are told)."""
        try:
            prepared = await self._prepare(key, batch)
        except Exception as exc:
            self._fail(key, batch, exc)
            return None
        if prepared is None:
            self._resolve(batch)
        return prepared

    async def _committed(self, key: Key, prepared: Prepared, batch: list[Queued[Command]]) -> Exception | None:
        """Commit a prepared batch, then answer its callers. Returns what went wrong."""
        try:
            await self._commit(key, prepared, batch)
        except Exception as exc:
            self._fail(key, batch, exc)
            return exc
        self._resolve(batch)
        return None

    def _fail(self, key: Key, batch: list[Queued[Command]], exc: Exception) -> None:
        if self._failed is not None:
            self._failed(key, batch, exc)
        for item in batch:
            if not item.future.done():
                item.future.set_exception(exc)

    @staticmethod
    def _resolve(batch: list[Queued[Command]]) -> None:
        for item in batch:
            if item.future.done():  # the caller went away; the command took effect all the same
                continue
            if item.error is not None:
                item.future.set_exception(item.error)
            else:
                item.future.set_result(item.result)
