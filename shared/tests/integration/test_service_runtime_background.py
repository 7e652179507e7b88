"""The runtime owns a service's background work and clients: `run_in_background` work starts with
it (writer-only work once this instance is the writer), is cancelled first at `stop()` and then
its `stop` awaited; `close_at_stop` closers run at stop. Against the test stack's MongoDB and
Kafka, as a service's runtime runs."""

from __future__ import annotations

import asyncio
import uuid
from typing import ClassVar

import pytest
from pymongo import AsyncMongoClient

from samla_shared.service_runtime import ServiceRuntime
from samla_shared.settings import ServiceSettings


class RuntimeTestSettings(ServiceSettings):
    service_name: ClassVar[str] = "runtime-test"


@pytest.fixture
async def database(mongo_url):
    name = f"test_runtime_{uuid.uuid4().hex[:10]}"
    yield name
    mongo = AsyncMongoClient(mongo_url)
    try:
        await mongo.drop_database(name)
    finally:
        await mongo.close()


@pytest.fixture
def make_runtime(database, mongo_url, kafka_bootstrap):
    def make(**overrides) -> ServiceRuntime:
        settings = RuntimeTestSettings(environment="test", mongo_url=mongo_url, mongo_database=database,
                                       kafka_bootstrap_servers=kafka_bootstrap, shutdown_step_seconds=5,
                                       **overrides)
        runtime = ServiceRuntime(settings)
        if runtime.election is not None:
            # A writer that finds its lease taken stops its process (SIGTERM); in a test on a
            # loaded machine that would end the test run, so a deposed runtime only notes it.
            runtime.election._on_deposed = lambda: None
        return runtime
    return make


class Loop:
    """A periodic loop as a service registers one, recording what happened to it."""

    def __init__(self, events: list[str], name: str) -> None:
        self.events = events
        self.name = name
        self.started = asyncio.Event()

    async def run(self) -> None:
        self.events.append(f"{self.name} started")
        self.started.set()
        try:
            while True:
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            self.events.append(f"{self.name} cancelled")
            raise

    async def stop(self) -> None:
        self.events.append(f"{self.name} stop awaited")


async def test_without_an_election_writer_work_starts_at_once_and_stops_in_order(make_runtime):
    events: list[str] = []
    runtime = make_runtime()
    writer_loop, any_loop = Loop(events, "writer loop"), Loop(events, "any loop")
    runtime.run_in_background("writer loop", writer_loop.run, stop=writer_loop.stop)
    runtime.run_in_background("any loop", any_loop.run, writer_only=False)

    async def close_client() -> None:
        events.append("client closed")

    runtime.close_at_stop("the test client", close_client)
    await runtime.start()
    try:
        await asyncio.wait_for(asyncio.gather(writer_loop.started.wait(), any_loop.started.wait()), 10)
        assert "client closed" not in events
    finally:
        await runtime.stop()
    # Cancelled first, then the loop's own stop awaited, and the client released last of these.
    assert events.index("writer loop cancelled") < events.index("writer loop stop awaited")
    assert events.index("any loop cancelled") < events.index("client closed")
    assert events.index("writer loop stop awaited") < events.index("client closed")
    assert events.count("client closed") == 1


async def test_writer_only_work_waits_for_the_election_and_other_work_does_not(make_runtime):
    events: list[str] = []
    first = make_runtime(writer_lease_seconds=3, instance_url="http://10.0.0.1:8001")
    second = make_runtime(writer_lease_seconds=3, instance_url="http://10.0.0.2:8001")
    first_writer = Loop(events, "first writer loop")
    second_writer = Loop(events, "second writer loop")
    second_any = Loop(events, "second any loop")
    first.run_in_background("writer loop", first_writer.run, stop=first_writer.stop)
    second.run_in_background("writer loop", second_writer.run, stop=second_writer.stop)
    second.run_in_background("any loop", second_any.run, writer_only=False)
    stopped_first = False
    await first.start()
    try:
        await asyncio.wait_for(first_writer.started.wait(), 20)
        await second.start()
        try:
            # The standby runs work for any instance at once, and none of the writer's.
            await asyncio.wait_for(second_any.started.wait(), 10)
            await asyncio.sleep(1.5)  # more than the standby's campaign interval (a third of the lease)
            assert second.is_standby
            assert not second_writer.started.is_set()
            # The writer stops (and hands over its lease): the standby is elected and starts the work.
            await first.stop()
            stopped_first = True
            assert events.index("first writer loop cancelled") < events.index("first writer loop stop awaited")
            await asyncio.wait_for(second_writer.started.wait(), 20)
            assert not second.is_standby
        finally:
            await second.stop()
    finally:
        if not stopped_first:
            await first.stop()
    assert "second writer loop cancelled" in events
    assert "second writer loop stop awaited" in events


async def test_stop_awaits_a_loop_stop_also_when_the_loop_never_started(make_runtime):
    # On a standby the writer's loop never ran; its stop is still awaited (it may hold a client).
    events: list[str] = []
    writer = make_runtime(writer_lease_seconds=3, instance_url="http://10.0.0.1:8001")
    standby = make_runtime(writer_lease_seconds=3, instance_url="http://10.0.0.2:8001")
    writer_loop, standby_loop = Loop(events, "writer loop"), Loop(events, "standby loop")
    writer.run_in_background("loop", writer_loop.run)
    standby.run_in_background("loop", standby_loop.run, stop=standby_loop.stop)
    await writer.start()
    try:
        await asyncio.wait_for(writer_loop.started.wait(), 20)
        await standby.start()
        await asyncio.sleep(0.5)
        await standby.stop()
    finally:
        await writer.stop()
    assert "standby loop started" not in events
    assert events.count("standby loop stop awaited") == 1
