"""Log lines are JSON an ops team can join with traces: service, trace_id, span_id, and the
network the work was for, whether it came from an event or a network-scoped request."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiokafka import AIOKafkaProducer

from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.sessions import SessionCancelled
from samla_shared.structured_logging import JsonFormatter
from tests.support.kafka import event_headers


class Lines(logging.Handler):
    """Keeps what the service's own JSON formatter writes, as parsed lines."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@contextmanager
def captured_log_lines() -> Iterator[Lines]:
    """Tap the root logger next to the stderr handler `configure_logging` installed, with its formatter."""
    root = logging.getLogger()
    [formatter] = [h.formatter for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
    tap = Lines(formatter)
    root.addHandler(tap)
    try:
        yield tap
    finally:
        root.removeHandler(tap)


async def test_a_consumer_log_line_carries_the_events_network_and_trace(service, producer: AIOKafkaProducer,
                                                                       wait_until):
    network_id = f"net-nord-{uuid.uuid4().hex[:8]}"
    trace_id = uuid.uuid4().hex
    async with service(create_notifications, NotificationsSettings):
        with captured_log_lines() as log:
            # A cancellation of a session notifications never heard of: it says so in its log. Sent
            # again (another session) until heard: its three consumers may still be rebalancing.
            sessions: set[str] = set()

            async def line_about_a_session():
                return [line for line in log.lines if any(s in line["message"] for s in sessions)]

            for _ in range(24):
                sessions.add(session_id := f"session-{uuid.uuid4().hex[:10]}")
                event = CloudEvent(
                    data=SessionCancelled(network_id=network_id, cohort_id="cohort-x", session_id=session_id,
                                          reason="too few participants"),
                    source="/samla/test/sessions",
                    trace_headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})
                await producer.send_and_wait(event.topic, event.value(), key=event.subject.encode(),
                                             headers=event_headers(event))
                try:
                    line = (await wait_until(line_about_a_session, timeout=5))[0]
                    break
                except AssertionError:
                    continue
            else:
                raise AssertionError("notifications never logged the cancellation")
    assert line["service"] == "notifications"
    assert line["level"] == "warning"
    assert line["network_id"] == network_id
    assert line["trace_id"] == trace_id, "the consumer did not continue the event's trace"
    assert len(line["span_id"]) == 16 and int(line["span_id"], 16) != 0


async def test_a_request_log_line_carries_the_network_of_its_route(service, tcp_proxy):
    mongo = tcp_proxy("mongo")  # not started: the database "is down"
    network_id = f"net-vest-{uuid.uuid4().hex[:8]}"
    # No consumers: only the request is under test. (A consumer left retrying against the absent
    # database was seen to outlive the service's shutdown and dead-letter what it read afterwards.)
    async with service(create_measures, MeasuresSettings, ready=False, run_consumers=False,
                       mongo_url=f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true") as measures:
        with captured_log_lines() as log:
            # A hang guard, not a timing: the request must end with an answer rather than wait forever.
            answer = await asyncio.wait_for(measures.get(f"/networks/{network_id}/insight"), timeout=60)
            assert answer.status_code == 503
    [line] = [line for line in log.lines if line["message"].startswith("database unavailable")]
    assert line["service"] == "measures"
    assert line["network_id"] == network_id
    assert len(line["trace_id"]) == 32 and int(line["trace_id"], 16) != 0
    assert len(line["span_id"]) == 16
