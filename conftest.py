"""Fixtures shared by every test tier: the real stack, services run in-process, polling helpers.

Tests talk to the Kafka broker and FerretDB that `make test` starts. The broker is the
tests' own (`kafka-test` in infra/local/stack.py, 127.0.0.1:19192), never the platform's
that `make up` runs on 9092: the platform's consumers would read the tests' records,
poison ones included, and park them on its dead-letter topics. A session that needs Kafka
starts that broker if it is not running (unless SAMLA_TEST_KAFKA names another one). Each
service a test runs gets its own database (`test_*`) and consumer group, so tests never
see each other's state, nor touch the platform's databases.

Every service checks bearer tokens. The test process runs the development issuer
(infra/local/dev_issuer.py) on a free port, started when the session is configured (not
when this file is imported), and points every service's settings at it through the
environment; the client `run_service` hands out carries a platform-admin token, and
`caller(client, roles=[...], networks=[...])` gives a client with another role.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pymongo import AsyncMongoClient

# pytest.ini's `pythonpath` puts infra/local and the repository's root on sys.path before this file is read.
from dev_issuer import ThreadedIssuer
from tcp_relay import TcpRelay
from tests.support import kafka

ROOT = Path(__file__).resolve().parent
TEST_KAFKA_PORT = int(os.environ.get("SAMLA_TEST_KAFKA_PORT", "19192"))  # stack.py's kafka-test
OWN_KAFKA = "SAMLA_TEST_KAFKA" not in os.environ
KAFKA = os.environ.get("SAMLA_TEST_KAFKA", f"127.0.0.1:{TEST_KAFKA_PORT}")
MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")

T = TypeVar("T")

SERVICE_PREFIXES = ["ENROLLMENT", "SESSIONS", "MEASURES", "NOTIFICATIONS"]
# Filled in by pytest_configure: one issuer for the whole test process.
ISSUER: ThreadedIssuer
_ISSUER_STATE: Path | None = None
ADMIN_HEADERS: dict[str, str] = {}
# One in-memory exporter for the whole session; pytest_configure installs it.
SPANS = InMemorySpanExporter()


def pytest_configure(config: pytest.Config) -> None:
    """The session's global setup, done here rather than when this file is imported: the tests'
    broker named in the environment, the span exporter installed, the development issuer started.

    Runs before any test module is collected, so modules that read SAMLA_TEST_KAFKA at import see it.
    """
    # Set for the whole process, so modules and subprocesses that read SAMLA_TEST_KAFKA agree.
    os.environ.setdefault("SAMLA_TEST_KAFKA", KAFKA)
    _install_span_exporter()
    _start_issuer()


def _install_span_exporter() -> None:
    """Before any service creates its tracer provider: setup_telemetry reuses an SDK provider already installed."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(SPANS))
        trace.set_tracer_provider(provider)


def _start_issuer() -> None:
    """Start the development issuer before any test (or service a test starts) needs a token.

    Services started here or by this process trust it through the environment.
    """
    global ISSUER, _ISSUER_STATE
    _ISSUER_STATE = Path(tempfile.mkdtemp(prefix="samla-test-issuer-"))
    ISSUER = ThreadedIssuer(_ISSUER_STATE).start()
    os.environ.update(ISSUER.settings_environment(SERVICE_PREFIXES))
    # Services require their environment to be named; every one this process starts runs as "test".
    os.environ.setdefault("SAMLA_ENVIRONMENT", "test")
    # Long enough for the slowest whole-suite run (services here accept that lifetime, production's
    # limit is an hour); tests of expiry and lifetime mint their own tokens. The dev issuer's
    # default audience names every service, so this one token serves them all.
    os.environ.update({f"{prefix}_AUTH_MAX_TOKEN_LIFETIME_SECONDS": str(13 * 3600) for prefix in SERVICE_PREFIXES})
    admin_token = ISSUER.mint("test-admin", roles=["platform_admin"], expires_in=12 * 3600)
    ADMIN_HEADERS["Authorization"] = f"Bearer {admin_token}"
    # The ops CLI (samla-ops) and helpers talking to services in subprocesses read the token from here.
    os.environ["SAMLA_ADMIN_TOKEN"] = admin_token
    # Notifications and sessions read contacts from enrollment with client-credentials tokens from ISSUER.


def pytest_unconfigure(config: pytest.Config) -> None:
    """The issuer's key dies with the session: nothing in /tmp is left behind for every run."""
    if _ISSUER_STATE is not None:
        shutil.rmtree(_ISSUER_STATE, ignore_errors=True)


def _answers(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


@functools.cache
def kafka_for_tests() -> str:
    """The tests' own broker, started through stack.py if it is not running yet (once per session)."""
    if OWN_KAFKA and not _answers(KAFKA):
        # Two sessions of one checkout may get here together: one starts it, the other then finds it running.
        lock_path = ROOT / ".stack/kafka-test.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not _answers(KAFKA):
                print(f"conftest: starting the tests' own Kafka broker on {KAFKA} (stack.py start kafka-test)",
                      file=sys.__stderr__)
                subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), "start", "kafka-test"],
                               check=True, stdout=sys.__stderr__)
    if not _answers(KAFKA):
        pytest.fail(f"no Kafka broker answers on {KAFKA} (SAMLA_TEST_KAFKA); `make test` starts the tests' own",
                    pytrace=False)
    return KAFKA


@pytest.fixture(scope="session", autouse=True)
def tests_kafka_is_up(request: pytest.FixtureRequest) -> None:
    """The tests' broker runs before any test that may use it (some modules read SAMLA_TEST_KAFKA
    themselves); a session of unit tests alone does not need it."""
    if any("unit" not in Path(item.path).parts[:-1] for item in request.session.items):
        kafka_for_tests()


@pytest.fixture(scope="session", autouse=True)
async def no_task_holds_the_session_open() -> AsyncIterator[None]:
    """Cancel what tests left running on the session's loop, and never wait for it forever.

    pytest-asyncio closes the loop by cancelling every task and waiting for all of them. One
    was seen never to finish: PyMongo's async topology lock, after server selections timed out
    against an absent database (`asyncio.wait_for` on Python 3.11), stayed held with nobody to
    release it, and a task cancelled while re-acquiring it waited for good, holding the whole
    run open. Such a task is reported on stderr and left behind instead.
    """
    yield
    current = asyncio.current_task()
    leftovers = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in leftovers:
        task.cancel()
    if not leftovers:
        return
    _, stuck = await asyncio.wait(leftovers, timeout=30)
    for task in stuck:
        print(f"conftest: a task ignored cancellation at the end of the session and is left behind: {task!r}",
              file=sys.__stderr__)
        asyncio.tasks._unregister_task(task)  # so that closing the loop does not wait for it


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
    return kafka_for_tests()


@asynccontextmanager
async def run_service(create_app: Callable[..., Any], settings_class: type, *, ready: bool = True,
                      **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run a service app in this process against the real stack, with a database of its own."""
    name = settings_class.service_name
    database = overrides.pop("mongo_database", f"test_{name}_{uuid.uuid4().hex[:10]}")
    # The platform `make up` runs keeps its data in samla_<service> on the same FerretDB, and this
    # drops the database afterwards: never one of those.
    assert not database.startswith("samla_"), f"a test must not use the platform's database {database}"
    values = {
        "environment": "test",
        "kafka_bootstrap_servers": kafka_for_tests(),
        "mongo_url": MONGO,
        "mongo_database": database,
        "consumer_group": f"test-{name}-{uuid.uuid4().hex[:10]}",
        "consumer_offset_reset": "latest",
        **overrides,
    }
    app = create_app(settings_class(**values))
    # Shutdown waits for in-flight messages and background loops to finish; give it room on a loaded machine.
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=120):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}",
                                   headers=ADMIN_HEADERS)
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


@pytest.fixture(scope="session")
def admin_headers() -> dict[str, str]:
    """The platform-admin Authorization header, for clients a test builds itself (services in subprocesses)."""
    return dict(ADMIN_HEADERS)


@pytest.fixture(scope="session")
def dev_issuer() -> ThreadedIssuer:
    """The development issuer this test process runs: `dev_issuer.mint(subject, roles=[...], ...)`."""
    return ISSUER


def as_caller(client: httpx.AsyncClient, token: str | None) -> httpx.AsyncClient:
    """A client of the same in-process service that sends `token` (None: no token at all)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=client._transport, base_url=client.base_url, headers=headers)


@pytest.fixture
def caller() -> Callable[..., httpx.AsyncClient]:
    """caller(client, subject="kari", roles=["network_coordinator"], networks=["net-a"], person_id=...)
    -> a client of the same service with that caller's token; caller(client, token=None) sends none."""

    def make(client: httpx.AsyncClient, subject: str = "test-caller", *, token: str | None | bool = False,
             **claims: Any) -> httpx.AsyncClient:
        return as_caller(client, ISSUER.mint(subject, **claims) if token is False else token)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def producer() -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer for tests that put records on a topic themselves (redelivery, poison)."""
    async with kafka.open_producer(kafka_for_tests()) as started:
        yield started


class TcpProxy(TcpRelay):
    """A loopback TCP relay a test can switch on and off, to play a server that is down or back.

    Only the address a client dials goes through it: enough for MongoDB (directConnection)
    and for Kafka's bootstrap, not for broker connections made to advertised addresses.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(_free_port(), [(target_host, target_port)])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serve_http(app: Any, *, lifespan: bool = False) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port and yield its base URL, for a peer
    that must reach it over real HTTP. With `lifespan`, the app's own start-up and shutdown run too."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning",
                                           lifespan="off"))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=120) if lifespan else nullcontext():
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{server.config.port}"
        finally:
            server.should_exit = True
            await task


@pytest.fixture
def served() -> Callable[..., Any]:
    """served(app, lifespan=False): an async context manager serving the app over real HTTP; yields its URL."""
    return serve_http


@pytest.fixture
async def tcp_proxy() -> AsyncIterator[Callable[[str], TcpProxy]]:
    """Factory of switchable proxies: tcp_proxy("mongo") or tcp_proxy("kafka"), initially down."""
    proxies: list[TcpProxy] = []

    def make(kind: str) -> TcpProxy:
        host, port = (kafka_for_tests().split(":") if kind == "kafka" else ("127.0.0.1", MONGO.split(":")[2].split("/")[0]))
        proxy = TcpProxy(host, int(port))
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        await proxy.stop()


async def read_records(topic: str, *, key: str | None = None, since_ms: int | None = None) -> list[Any]:
    """Every record of `topic` on the tests' broker (optionally only those with `key`) written since
    `since_ms` (None: from the beginning); tests.support.kafka.read_records for another broker."""
    return await kafka.read_records(kafka_for_tests(), topic, key=key, since_ms=since_ms)


@pytest.fixture
def topic_records() -> Callable[..., Awaitable[list[Any]]]:
    return read_records
