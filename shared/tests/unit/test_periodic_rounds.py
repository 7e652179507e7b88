"""The one periodic loop (samla_shared.retry.run_periodically) every service's watch and scheduler runs on."""

from __future__ import annotations

import asyncio
import logging

import pytest

from samla_shared.retry import run_periodically

log = logging.getLogger("test.periodic")


async def test_a_failed_round_is_logged_and_the_rounds_go_on(caplog: pytest.LogCaptureFixture) -> None:
    outcomes = [RuntimeError("database away"), None, RuntimeError("still flaky"), None]
    done = asyncio.Event()
    calls = 0

    async def round_() -> None:
        nonlocal calls
        calls += 1
        if calls == len(outcomes):
            done.set()
        outcome = outcomes[calls - 1] if calls <= len(outcomes) else None
        if outcome is not None:
            raise outcome

    loop = asyncio.create_task(run_periodically(round_, every=0.01, what="test", log=log))
    await asyncio.wait_for(done.wait(), 10)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    failures = [r.getMessage() for r in caplog.records if r.name == "test.periodic"]
    assert len(failures) == 2
    assert "test round failed" in failures[0] and "database away" in failures[0]


async def test_waking_starts_the_next_round_at_once() -> None:
    wake = asyncio.Event()
    rounds = asyncio.Queue[int]()
    count = 0

    async def round_() -> None:
        nonlocal count
        count += 1
        rounds.put_nowait(count)

    # An hour between rounds: only waking can bring the second one.
    loop = asyncio.create_task(run_periodically(round_, every=3600, what="test", log=log, wake=wake))
    assert await asyncio.wait_for(rounds.get(), 10) == 1
    wake.set()
    assert await asyncio.wait_for(rounds.get(), 10) == 2
    assert not wake.is_set()  # cleared for the next wake-up
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop


async def test_cancellation_inside_a_round_ends_the_loop() -> None:
    started = asyncio.Event()

    async def round_() -> None:
        started.set()
        await asyncio.sleep(3600)

    loop = asyncio.create_task(run_periodically(round_, every=0.01, what="test", log=log))
    await asyncio.wait_for(started.wait(), 10)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
