"""`make up` returns when the services are ready, not when their ports open; the tests' broker is their own.

The services here are small HTTP servers run as real processes, standing in for uvicorn:
what stack.py waits for is their `/health/ready`, whatever answers it.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra/local"))
import stack  # noqa: E402

# Answers /health/ready with 503 and a reason until `ready_after` seconds have passed, then 200.
SERVER = """
import json, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer
began, ready_after = time.monotonic(), float(sys.argv[2])
class Probe(BaseHTTPRequestHandler):
    def do_GET(self):
        ready = time.monotonic() - began >= ready_after
        body = json.dumps({"status": "ready" if ready else "not ready",
                           "reasons": [] if ready else ["kafka: consumers not assigned yet"]}).encode()
        self.send_response(200 if ready else 503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), Probe).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def services(tmp_path, monkeypatch) -> Iterator[Callable[..., stack.Component]]:
    """Start stand-ins with stack.py's own Component (pid and log files in a folder of the test's)."""
    monkeypatch.setattr(stack, "RUN", tmp_path / "run")
    monkeypatch.setattr(stack, "LOGS", tmp_path / "logs")
    started: list[stack.Component] = []

    def start(name: str, *, ready_after: float, code: str = SERVER) -> stack.Component:
        port = _free_port()
        component = stack.Component(
            name=name, port=port, marker=f"stand-in-{name}",
            command=lambda: [sys.executable, "-c", code, str(port), str(ready_after), f"stand-in-{name}"],
            ready=lambda: stack.readiness(port)[0], not_ready_reason=lambda: stack.readiness(port)[1])
        component.start(wait=False)
        started.append(component)
        return component

    yield start
    for component in started:
        component.stop()


def test_the_wait_ends_when_every_service_answers_ready(services):
    slow, quick = services("slow", ready_after=2), services("quick", ready_after=0)
    stack.wait_all_ready([slow, quick], timeout=60)
    assert stack.readiness(slow.port) == (True, "/health/ready answered 200")
    assert stack.readiness(quick.port)[0]


def test_a_service_that_stays_unready_fails_the_wait_by_name_with_its_reason(services):
    stuck, fine = services("measures", ready_after=3600), services("sessions", ready_after=0)
    with pytest.raises(SystemExit) as failure:
        stack.wait_all_ready([stuck, fine], timeout=2)
    message = str(failure.value)
    assert message.startswith("not ready within 2s: measures\n")
    assert "/health/ready answered 503" in message and "consumers not assigned yet" in message
    assert "sessions" not in message


def test_a_service_that_exits_while_starting_fails_the_wait_at_once(services):
    crashed = services("notifications", ready_after=0, code="import sys; print('cannot start'); sys.exit(3)")
    with pytest.raises(SystemExit) as failure:
        stack.wait_all_ready([crashed], timeout=60)
    assert "notifications exited with code 3 while starting" in str(failure.value)
    assert "cannot start" in str(failure.value)


async def test_the_tests_broker_is_not_the_platforms(kafka_bootstrap):
    """The platform `make up` runs consumes 127.0.0.1:9092; the tests' records must never reach it."""
    assert kafka_bootstrap != f"127.0.0.1:{stack.KAFKA_PORT}"
    if not stack.port_open(stack.KAFKA_PORT):
        return  # no platform broker runs here (as in CI): the address alone tells them apart
    # The platform's broker requires SASL (stack.py's default): sign in as its admin when this
    # checkout started it; a broker of another checkout is asked anonymously.
    platform_options = stack.kafka_client_options(stack.KAFKA_PORT, bool(stack.configured_with_sasl(stack.KAFKA_PORT)))
    clusters = []
    for bootstrap, options in ((kafka_bootstrap, {}), (f"127.0.0.1:{stack.KAFKA_PORT}", platform_options)):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
        try:
            await admin.start()
        except KafkaConnectionError:
            # It refuses a client without credentials, which is what every test's client is: the
            # tests cannot be using it.
            assert bootstrap != kafka_bootstrap and not options
            return
        try:
            clusters.append((await admin.describe_cluster())["cluster_id"])
        finally:
            await admin.close()
    assert clusters[0] != clusters[1], "the tests share the platform's Kafka cluster"
