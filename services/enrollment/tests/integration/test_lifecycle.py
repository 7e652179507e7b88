"""The runtime owns enrollment's background work (bootstrap.py): the loops start with the app and stop with it."""

from __future__ import annotations

import asyncio

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

LOOPS = {"offer-watch", "application-retention"}


def running() -> set[str]:
    return {task.get_name() for task in asyncio.all_tasks() if not task.done()}


async def test_the_offer_watch_and_retention_run_while_the_app_runs_and_not_after(service):
    async with service(create_app, EnrollmentSettings, run_offer_watch=True, run_retention=True,
                       offer_watch_interval_seconds=0.1, retention_interval_seconds=0.1) as enrollment:
        assert LOOPS <= running()
        assert (await enrollment.get("/health/ready")).status_code == 200
    assert not LOOPS & running()


async def test_switched_off_loops_are_not_started(service):
    async with service(create_app, EnrollmentSettings, run_offer_watch=False, run_retention=False):
        assert not LOOPS & running()
