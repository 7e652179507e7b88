"""Trying again: the one backoff and the one periodic loop every part of the platform uses.

Delays double from `first` up to `ceiling`, each drawn at random between half and all of the
current step ("equal jitter"): many pods restarting together after a broker or database outage
then spread their retries instead of arriving in waves, and none retries at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class Retryable(Exception):
    """Raised by work that failed for a passing reason and should simply be tried again."""


@dataclass
class Backoff:
    """Growing, jittered delays between tries; `reset()` after a success starts from `first` again."""

    first: float = 0.2
    ceiling: float = 5.0
    _step: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._step = self.first

    def next_delay(self) -> float:
        delay = random.uniform(self._step / 2, self._step)
        self._step = min(self._step * 2, self.ceiling)
        return delay

    def reset(self) -> None:
        self._step = self.first

    async def wait(self) -> float:
        """Sleep for the next delay; returns it (for the log line)."""
        delay = self.next_delay()
        await asyncio.sleep(delay)
        return delay


async def retry_until_done(
    work: Callable[[], Awaitable[T]],
    *,
    what: str,
    log: logging.Logger,
    first: float = 0.2,
    ceiling: float = 5.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    after_failure: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """Await `work()` until it returns, sleeping a jittered, growing delay after each failure.

    Only `retry_on` is retried (everything by default: start-up waits out any outage); anything
    else, and cancellation, propagates. `after_failure` tidies up between tries (a half-started
    client, say).
    """
    backoff = Backoff(first, ceiling)
    while True:
        try:
            return await work()
        except asyncio.CancelledError:
            raise
        except retry_on as exc:
            delay = backoff.next_delay()
            log.warning("%s failed, retrying in %.1fs: %s", what, delay, exc)
            if after_failure is not None:
                await after_failure()
            await asyncio.sleep(delay)


async def run_periodically(
    round_: Callable[[], Awaitable[object]],
    *,
    every: float,
    what: str,
    log: logging.Logger,
    failure_ceiling: float | None = None,
    wake: asyncio.Event | None = None,
) -> None:
    """Run `round_` every `every` seconds until cancelled: a service's periodic loop.

    A failed round (the database or a neighbour away) is logged and nothing is lost: the next
    round picks up what is due. While rounds keep failing they come further apart, jittered, up
    to `failure_ceiling` (by default `every`: no slower than usual). Setting `wake` starts the
    next round at once (new work arrived).
    """
    ceiling = failure_ceiling if failure_ceiling is not None else every
    backoff = Backoff(first=min(every * 2, ceiling), ceiling=ceiling)
    while True:
        try:
            await round_()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = backoff.next_delay()
            log.warning("%s round failed, trying again in %.1fs: %s", what, delay, exc)
        else:
            backoff.reset()
            delay = every
        if wake is None:
            await asyncio.sleep(delay)
            continue
        try:
            await asyncio.wait_for(wake.wait(), timeout=delay)
        except TimeoutError:
            pass
        wake.clear()
