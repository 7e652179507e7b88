"""Generated requests against each service's OpenAPI document (schemathesis): whatever a client
sends, the service never answers 5xx, and every answer matches the schema it documents.

Each service runs as a real uvicorn process on the fault stack, with a database of its
own; schemathesis drives it over HTTP. In-process ASGI was rejected: its test client runs
each call on a fresh event loop, which PyMongo's async client does not survive.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.faults.fault_stack import FaultStack, drop_database

pytestmark = pytest.mark.slow

SERVICES = ["enrollment", "sessions", "measures", "notifications"]
EXAMPLES_PER_OPERATION = int(os.environ.get("SAMLA_SCHEMATHESIS_EXAMPLES", "15"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=SERVICES)
def running_service(request, fault_stack: FaultStack, tmp_path_factory):
    name = request.param
    prefix, port, run = name.upper(), _free_port(), uuid.uuid4().hex[:8]
    database = f"fault_api_{name}_{run}"
    env = {**os.environ, f"{prefix}_KAFKA_BOOTSTRAP_SERVERS": fault_stack.kafka, f"{prefix}_MONGO_URL": fault_stack.mongo,
           f"{prefix}_MONGO_DATABASE": database, f"{prefix}_CONSUMER_GROUP": f"fault-api-{name}-{run}",
           f"{prefix}_CONSUMER_OFFSET_RESET": "latest", f"{prefix}_ENVIRONMENT": "test",
           f"{prefix}_SMTP_PORT": str(fault_stack_smtp_port())}
    log = tmp_path_factory.mktemp(name) / "service.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"samla_{name}.entrypoints.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{base}/health/ready", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{name} not ready:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    yield base
    process.terminate()
    process.wait(timeout=30)
    import asyncio

    asyncio.run(drop_database(fault_stack.mongo, database))


def fault_stack_smtp_port() -> int:
    from tests.faults.fault_stack import SMTP_PORT

    return SMTP_PORT


# Every 4xx/5xx is sent as application/problem+json (RFC 9457), and the OpenAPI documents it so
# (samla_shared.http.openapi_problems): the content type is checked along with the body.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def test_no_request_makes_a_service_fail_and_every_answer_matches_its_documented_schema(running_service,
                                                                                       admin_headers):
    # schemathesis' own pytest integration (from_fixture) does not run under pytest 9 yet,
    # so each operation's strategy is driven with Hypothesis here directly.
    schema = schemathesis.openapi.from_url(f"{running_service}/openapi.json")
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @SETTINGS
        @given(case=operation.as_strategy())
        def answers_within_its_contract(case) -> None:
            # As a platform admin: the contract of each answer, not the authoriser, is under test here.
            case.call_and_validate(checks=CHECKS, timeout=30, headers=admin_headers)

        try:
            answers_within_its_contract()
        except (Exception, BaseExceptionGroup) as failure:  # every operation's first failure, reported together
            failures.append(f"{operation.label}: {type(failure).__name__}: {str(failure)[:1500]}")
    assert operations > 0
    assert not failures, f"{len(failures)} of {operations} operations failed:\n\n" + "\n\n".join(failures)
