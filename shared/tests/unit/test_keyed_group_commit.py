"""Keyed group commit: commands on one key applied in order, a batch at a time, each caller answered for itself."""

from __future__ import annotations

import asyncio

import pytest

from samla_shared.persistence.keyed_group_commit import KeyedGroupCommit, Queued


class Ledger:
    """A tiny owner: each key's list of appended commands, written once per batch; 'refuse' and 'boom' misbehave.

    Like a real owner it builds each batch on the one before (kept in memory, as prepared), and
    forgets that when a batch fails, starting again from what was written."""

    def __init__(self) -> None:
        self.written: dict[str, list[str]] = {}
        self.prepared: dict[str, list[str]] = {}
        self.batches: list[tuple[str, list[str]]] = []
        self.failures: list[tuple[str, int, str]] = []
        self.fail_next_commit: Exception | None = None
        self.commit_gate: asyncio.Event | None = None

    async def prepare(self, key: str, batch: list[Queued[str]]) -> list[str] | None:
        if any(item.command == "boom" for item in batch):
            raise RuntimeError("prepare broke")
        applied = list(self.prepared.get(key, self.written.get(key, [])))
        for item in batch:
            if item.command == "refuse":
                item.error = ValueError("refused")
            elif item.command == "noop":
                item.result = "nothing"
            else:
                applied.append(item.command)
                item.result = len(applied)
        self.batches.append((key, [item.command for item in batch]))
        self.prepared[key] = applied
        return None if all(item.command == "noop" for item in batch) else applied

    async def commit(self, key: str, applied: list[str], batch: list[Queued[str]]) -> None:
        if self.commit_gate is not None:
            await self.commit_gate.wait()
        if self.fail_next_commit is not None:
            exc, self.fail_next_commit = self.fail_next_commit, None
            raise exc
        self.written[key] = applied

    def failed(self, key: str, batch: list[Queued[str]], exc: Exception) -> None:
        self.prepared.pop(key, None)
        self.failures.append((key, len(batch), str(exc)))


def writer(ledger: Ledger, max_batch: int = 500) -> KeyedGroupCommit[str, str, list[str]]:
    return KeyedGroupCommit(prepare=ledger.prepare, commit=ledger.commit, failed=ledger.failed, max_batch=max_batch)


async def test_commands_on_one_key_are_applied_in_arrival_order_and_batched_while_one_is_in_flight():
    ledger = Ledger()
    commits = writer(ledger)
    results = await asyncio.gather(*(commits.submit("c1", f"a{n}") for n in range(5)))
    assert results == [1, 2, 3, 4, 5]
    assert ledger.written == {"c1": ["a0", "a1", "a2", "a3", "a4"]}
    assert ledger.batches == [("c1", ["a0", "a1", "a2", "a3", "a4"])]  # queued together, prepared together


async def test_a_batch_takes_at_most_max_batch_commands_and_the_rest_follow_in_order():
    ledger = Ledger()
    commits = writer(ledger, max_batch=2)
    results = await asyncio.gather(*(commits.submit("c1", f"a{n}") for n in range(5)))
    assert results == [1, 2, 3, 4, 5]
    assert [commands for _, commands in ledger.batches] == [["a0", "a1"], ["a2", "a3"], ["a4"]]


async def test_keys_are_independent():
    ledger = Ledger()
    commits = writer(ledger)
    assert await asyncio.gather(commits.submit("c1", "x"), commits.submit("c2", "y"), commits.submit("c1", "z")) \
        == [1, 1, 2]
    assert ledger.written == {"c1": ["x", "z"], "c2": ["y"]}


async def test_a_refused_command_fails_alone_and_the_others_in_its_batch_are_committed():
    ledger = Ledger()
    commits = writer(ledger)
    outcomes = await asyncio.gather(commits.submit("c1", "a"), commits.submit("c1", "refuse"),
                                    commits.submit("c1", "b"), return_exceptions=True)
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], ValueError)
    assert ledger.written == {"c1": ["a", "b"]}
    assert ledger.failures == []


async def test_a_batch_with_nothing_to_commit_is_answered_without_a_commit():
    ledger = Ledger()
    ledger.commit_gate = asyncio.Event()  # a commit would hang
    assert await writer(ledger).submit("c1", "noop") == "nothing"


async def test_a_failing_prepare_fails_its_whole_batch_and_the_owner_hears_of_it():
    ledger = Ledger()
    commits = writer(ledger)
    outcomes = await asyncio.gather(commits.submit("c1", "a"), commits.submit("c1", "boom"), return_exceptions=True)
    assert [str(o) for o in outcomes] == ["prepare broke", "prepare broke"]
    assert ledger.failures == [("c1", 2, "prepare broke")]
    assert await commits.submit("c1", "b") == 1  # the key goes on working


async def test_a_batch_prepared_on_top_of_a_failed_commit_fails_with_it():
    ledger = Ledger()
    ledger.commit_gate = asyncio.Event()
    ledger.fail_next_commit = ConnectionError("the database went away")
    commits = writer(ledger)
    first = asyncio.create_task(commits.submit("c1", "a"))
    await asyncio.sleep(0.01)  # "a" is prepared and its commit waits at the gate
    second = asyncio.create_task(commits.submit("c1", "b"))
    await asyncio.sleep(0.01)  # "b" is prepared on top of "a"
    assert ledger.batches == [("c1", ["a"]), ("c1", ["b"])]
    ledger.commit_gate.set()
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    assert [str(o) for o in outcomes] == ["the database went away"] * 2
    assert ledger.written == {}
    assert [f[:2] for f in ledger.failures] == [("c1", 1), ("c1", 1)]


async def test_close_cancels_the_commit_under_way_and_every_caller_not_yet_answered():
    ledger = Ledger()
    ledger.commit_gate = asyncio.Event()  # never opened: the first commit stays in flight
    commits = writer(ledger, max_batch=1)
    callers = [asyncio.create_task(commits.submit("c1", f"a{n}")) for n in range(3)]
    await asyncio.sleep(0.01)
    await commits.close()
    for caller in callers:
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert ledger.written == {}
