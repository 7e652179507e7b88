"""The one backoff: delays grow to a ceiling, are jittered within bounds, start over on reset;
`retry_until_done` retries only what it is told to and lets everything else through."""

from __future__ import annotations

import asyncio
import logging

import pytest

from samla_shared import retry
from samla_shared.retry import Backoff, Retryable, retry_until_done

log = logging.getLogger("test.retry")


@pytest.fixture
def no_sleep(monkeypatch):
    """Record the delays slept instead of sleeping them."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(retry.asyncio, "sleep", sleep)
    return slept


def test_each_delay_lies_between_half_and_all_of_a_step_that_doubles_up_to_the_ceiling():
    backoff = Backoff(first=0.2, ceiling=1.0)
    steps = [0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    for step in steps:
        delay = backoff.next_delay()
        assert step / 2 <= delay <= step


def test_delays_are_jittered_not_the_same_for_every_caller():
    delays = {Backoff(first=1.0, ceiling=1.0).next_delay() for _ in range(50)}
    assert len(delays) > 1
    assert all(0.5 <= d <= 1.0 for d in delays)


def test_reset_starts_again_from_the_first_step():
    backoff = Backoff(first=0.1, ceiling=10.0)
    for _ in range(6):
        backoff.next_delay()
    assert backoff.next_delay() > 0.1  # the step has grown past the first
    backoff.reset()
    assert 0.05 <= backoff.next_delay() <= 0.1


async def test_wait_sleeps_the_delay_it_returns(no_sleep):
    delay = await Backoff(first=0.4, ceiling=0.4).wait()
    assert no_sleep == [delay]
    assert 0.2 <= delay <= 0.4


async def test_work_that_fails_a_few_times_is_retried_until_it_returns(no_sleep):
    calls = 0

    async def work() -> str:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise Retryable("not yet")
        return "done"

    assert await retry_until_done(work, what="the work", log=log, first=0.1, ceiling=0.3,
                                  retry_on=(Retryable,)) == "done"
    assert calls == 4
    assert len(no_sleep) == 3
    for delay, step in zip(no_sleep, [0.1, 0.2, 0.3], strict=True):
        assert step / 2 <= delay <= step


async def test_only_the_given_failures_are_retried_others_propagate_at_once(no_sleep):
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        await retry_until_done(work, what="the work", log=log, retry_on=(ConnectionError,))
    assert calls == 1
    assert no_sleep == []


async def test_by_default_any_exception_is_retried(no_sleep):
    outcomes = [ConnectionError("down"), RuntimeError("still down")]

    async def work() -> int:
        if outcomes:
            raise outcomes.pop(0)
        return 7

    assert await retry_until_done(work, what="the work", log=log) == 7
    assert len(no_sleep) == 2


async def test_cancellation_propagates_and_is_not_retried(no_sleep):
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await retry_until_done(work, what="the work", log=log)
    assert calls == 1
    assert no_sleep == []


async def test_a_retry_waiting_out_its_delay_can_be_cancelled():
    async def work() -> None:
        raise ConnectionError("down")

    task = asyncio.create_task(retry_until_done(work, what="the work", log=log, first=30.0, ceiling=30.0))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_after_failure_runs_after_each_failed_try_and_before_the_next(no_sleep):
    events: list[str] = []

    async def work() -> str:
        events.append("try")
        if events.count("try") < 3:
            raise ConnectionError("down")
        return "ok"

    async def tidy() -> None:
        events.append("tidy")

    assert await retry_until_done(work, what="the work", log=log, after_failure=tidy) == "ok"
    assert events == ["try", "tidy", "try", "tidy", "try"]


async def test_each_failure_is_logged_with_what_was_tried(no_sleep, caplog):
    outcomes = [ConnectionError("broker away")]

    async def work() -> None:
        if outcomes:
            raise outcomes.pop(0)

    with caplog.at_level(logging.WARNING, logger="test.retry"):
        await retry_until_done(work, what="connecting to Kafka", log=log)
    assert "connecting to Kafka failed" in caplog.text
    assert "broker away" in caplog.text
