"""Fixtures shared by every test tier: the real stack, services run in-process, polling helpers.

Tests talk to the Kafka broker and FerretDB that `make test` starts. Each service a test
runs gets its own database and consumer group, so tests never see each other's state.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo import AsyncMongoClient

KAFKA = os.environ.get("SAMLA_TEST_KAFKA", "127.0.0.1:9092")
MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")

T = TypeVar("T")

# One in-memory exporter for the whole session, installed before any service creates its
# tracer provider (setup_telemetry reuses an SDK provider that is already installed).
SPANS = InMemorySpanExporter()
if not isinstance(trace.get_tracer_provider(), TracerProvider):
    _provider = TracerProvider()
    _provider.add_span_processor(SimpleSpanProcessor(SPANS))
    trace.set_tracer_provider(_provider)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return SPANS


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll `check` until it returns something truthy; fail with its last answer after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last answer: {last!r}")


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[Any]]:
    return eventually


@pytest.fixture(scope="session")
def mongo_url() -> str:
    return MONGO


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return KAFKA


@asynccontextmanager
async def run_service(create_app: Callable[..., Any], settings_class: type, *, ready: bool = True,
                      **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in this process against the real stack, with a database of its own."""
    name = settings_class.service_name
    database = overrides.pop("mongo_database", f"test_{name}_{uuid.uuid4().hex[:10]}")
    values = {
        "environment": "test",
        "kafka_bootstrap_servers": KAFKA,
        "mongo_url": MONGO,
        "mongo_database": database,
        "consumer_group": f"test-{name}-{uuid.uuid4().hex[:10]}",
        "consumer_offset_reset": "latest",
        **overrides,
    }
    app = create_app(settings_class(**values))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        try:
            if ready:
                async def is_ready() -> bool:
                    return (await client.get("/health/ready")).status_code == 200

                await eventually(is_ready, timeout=60)
            yield client
        finally:
            await client.aclose()
    if values["mongo_url"] == MONGO:
        mongo = AsyncMongoClient(MONGO)
        try:
            await mongo.drop_database(database)
        finally:
            await mongo.close()


@pytest.fixture
def service() -> Callable[..., Any]:
    return run_service


@pytest.fixture
async def producer() -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer for tests that put records on a topic themselves (redelivery, poison)."""
    kafka = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all")
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()
