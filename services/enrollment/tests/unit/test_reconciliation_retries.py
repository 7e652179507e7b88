"""After a failed batch, the cohort is taken up again in the background until the database answers."""

from __future__ import annotations

import asyncio

import pytest

from samla_enrollment.domain.errors import NotFound
from samla_enrollment.service_layer import reconciliation
from samla_enrollment.service_layer.reconciliation import Reconciler


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reconciliation, "FIRST_TRY_AFTER", 0.001)
    monkeypatch.setattr(reconciliation, "RETRY_CEILING", 0.002)


class Writer:
    """Takes a cohort up after `failures` failed tries; `gone` cohorts do not exist."""

    def __init__(self, failures: int = 0, gone: bool = False) -> None:
        self.failures = failures
        self.gone = gone
        self.tries = 0
        self.held: set[str] = set()

    async def take_up(self, cohort_id: str) -> None:
        self.tries += 1
        if self.gone:
            raise NotFound(f"no cohort {cohort_id}")
        if self.tries <= self.failures:
            raise ConnectionError("the database is away")
        self.held.add(cohort_id)


def reconciler(writer: Writer) -> Reconciler:
    return Reconciler(None, None, None, take_up=writer.take_up, taken_up=writer.held.__contains__)  # type: ignore[arg-type]


async def wait_until_idle(reconciling: Reconciler) -> None:
    for _ in range(500):
        if not reconciling._retries:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("still reconciling")


async def test_a_failed_cohort_is_taken_up_again_once_the_database_answers():
    writer = Writer(failures=3)
    reconciling = reconciler(writer)
    reconciling.keep_reconciling("c1")
    reconciling.keep_reconciling("c1")  # one retrying task per cohort, however many batches failed
    await wait_until_idle(reconciling)
    assert writer.tries == 4 and writer.held == {"c1"}


async def test_a_cohort_that_no_longer_exists_is_not_retried():
    writer = Writer(gone=True)
    reconciling = reconciler(writer)
    reconciling.keep_reconciling("c1")
    await wait_until_idle(reconciling)
    assert writer.tries == 1


async def test_close_stops_the_retries():
    writer = Writer(failures=10**6)
    reconciling = reconciler(writer)
    reconciling.keep_reconciling("c1")
    await asyncio.sleep(0.01)
    await reconciling.close()
    tries = writer.tries
    await asyncio.sleep(0.01)
    assert writer.tries == tries and not reconciling._retries
