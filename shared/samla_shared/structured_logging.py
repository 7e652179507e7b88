"""JSON log lines carrying the service, the current trace and span ids, and the network when known."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from opentelemetry import trace

current_network_id: ContextVar[str | None] = ContextVar("current_network_id", default=None)


@contextmanager
def network_scope(network_id: str | None) -> Iterator[None]:
    """Log lines written inside carry `network_id` (e.g. while a consumer handles one event)."""
    token = current_network_id.set(network_id)
    try:
        yield
    finally:
        current_network_id.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            line["trace_id"] = format(span.trace_id, "032x")
            line["span_id"] = format(span.span_id, "016x")
        if network_id := current_network_id.get():
            line["network_id"] = network_id
        if suppressed := getattr(record, "suppressed", 0):
            line["suppressed_repeats"] = suppressed
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RepeatsFilter(logging.Filter):
    """Lets a repeated message of a chatty library through once per `interval` seconds.

    While Kafka is down, aiokafka's reconnect loops log the same few errors ~90 times a
    second per process; one line per message per interval, carrying how many were held
    back, says the same without drowning the service's own lines.
    """

    def __init__(self, prefixes: tuple[str, ...] = ("aiokafka",), interval: float = 10.0) -> None:
        super().__init__()
        self._prefixes = prefixes
        self._interval = interval
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefixes):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        last, held = self._seen.get(key, (float("-inf"), 0))
        if now - last < self._interval:
            self._seen[key] = (last, held + 1)
            return False
        if len(self._seen) > 1000:  # messages with ids in their template: forget, do not grow
            self._seen.clear()
        self._seen[key] = (now, 0)
        if held:
            record.suppressed = held
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(RepeatsFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "pymongo", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
