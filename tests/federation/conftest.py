"""Fixtures of the federation tests: a regional and a national cluster with MirrorMaker 2 between them."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import AsyncIterator

import pytest

from tests.federation.federation_stack import STATE, Federation, start_federation, stop_federation


@pytest.fixture(scope="session")
async def federation() -> AsyncIterator[Federation]:
    # One test run at a time owns these ports and state folders: another run's start would wipe them.
    STATE.parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{STATE}.lock", "w")  # noqa: SIM115 (held for the whole session)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another test run to release the federation clusters ({STATE}.lock)", file=sys.stderr)
        fcntl.flock(lock, fcntl.LOCK_EX)
    federation = await start_federation()
    try:
        yield federation
    finally:
        await stop_federation(federation)
        lock.close()
