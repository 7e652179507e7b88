"""Fixtures of the fault tests: a Kafka and FerretDB of their own, which they may stop, kill and restart.

The shared stack on the default ports serves everybody's tests, so it is never touched
here (see tests/faults/fault_stack.py).
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.faults.fault_stack import ROOT, STATE, FaultStack, drop_database


@pytest.fixture(scope="session")
def fault_stack() -> FaultStack:
    # One test run at a time owns the fault stack: several people share a checkout (and a
    # machine), and one run's teardown must not stop the servers under another's tests.
    STATE.parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{STATE}.lock", "w")  # noqa: SIM115 (held for the whole session)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"waiting for another test run to release the fault stack ({STATE}.lock)", file=sys.stderr)
        fcntl.flock(lock, fcntl.LOCK_EX)
    stack = FaultStack()
    stack.run("up")
    # The tests stop and start these servers through their pid files: a server that only
    # answers on the port (left over from another run) cannot be stopped, so refuse it.
    status = subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), "status"], env=stack.env(),
                            check=True, capture_output=True, text=True).stdout
    for name in ("kafka", "ferretdb"):
        line = next(line for line in status.splitlines() if line.startswith(name))
        assert "ready" in line and "not ours" not in line, (
            f"the fault stack's {name} is not one these tests can stop and start: {line.strip()}\n"
            f"stop whatever listens on its port (state in {STATE})")
    try:
        yield stack
    finally:
        stack.run("down")
        lock.close()


@pytest.fixture
def fault_service(fault_stack: FaultStack, service: Callable[..., Any]) -> Callable[..., Any]:
    """Like `service`, but against the fault stack; drops the service's database afterwards."""

    @asynccontextmanager
    async def run(create_app: Callable[..., Any], settings_class: type, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        database = overrides.pop("mongo_database", f"fault_{settings_class.service_name}_{uuid.uuid4().hex[:10]}")
        async with service(create_app, settings_class, kafka_bootstrap_servers=fault_stack.kafka,
                               mongo_url=fault_stack.mongo, mongo_database=database, **overrides) as client:
            client.database = database  # type: ignore[attr-defined]
            yield client
        await drop_database(fault_stack.mongo, database)

    return run


@pytest.fixture
async def fault_mongo(fault_stack: FaultStack) -> AsyncIterator[AsyncMongoClient]:
    client: AsyncMongoClient = AsyncMongoClient(fault_stack.mongo, serverSelectionTimeoutMS=10000, tz_aware=True)
    yield client
    await client.close()


