"""Group commit: concurrent single-document operations sent to the database as one command.

A consumer handling a batch runs several handlers at a time, and each writes its own small
document (a delivery claim, its outcome). One command per write costs a round trip and the
driver's per-command work each; FerretDB answers one `insert` of ten documents about as fast
as one of a single document. `GroupCommit` lets each caller keep writing one document and
awaiting its own outcome, while the writes that arrive while a command is in flight are
sent together as the next one. Nothing waits for a batch to fill: a lone write goes at once.

Callers keep their semantics: each gets its own result or its own exception (a duplicate
key for one document does not fail the others). A caller cancelled while waiting does not
withdraw its item; the command is sent with or without it, as a crash after sending would.

For commands on the *same* document, applied in order and written once per batch, see
`KeyedGroupCommit` (keyed_group_commit.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Returns one outcome per item, in order: a result, or the exception that item's caller raises.
Flush = Callable[[list[Item]], Awaitable[Sequence["Result | BaseException"]]]


class GroupCommit(Generic[Item, Result]):
    def __init__(self, flush: Flush[Item, Result], *, max_items: int = 500) -> None:
        self._flush = flush
        self._max_items = max_items
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        outcome: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, outcome))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="group-commit")
        return await asyncio.shield(outcome)

    async def _drain(self) -> None:
        while self._pending:
            group, self._pending = self._pending[:self._max_items], self._pending[self._max_items:]
            try:
                outcomes = await self._flush([item for item, _ in group])
            except BaseException as exc:  # the whole command failed (a connection lost): every caller hears it
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, future), result in zip(group, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
