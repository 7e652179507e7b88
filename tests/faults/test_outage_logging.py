"""While Kafka is away, the client library's reconnect errors do not drown the service's own log lines."""

from __future__ import annotations

import json
import logging

from samla_shared.structured_logging import JsonFormatter, RepeatsFilter


def test_repeated_library_errors_are_logged_once_per_interval_with_a_count_of_the_rest():
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter("probe"))
    handler.addFilter(RepeatsFilter(interval=3600))
    library, own = logging.getLogger("aiokafka.probe"), logging.getLogger("samla.probe")
    for logger in (library, own):
        logger.addHandler(handler)
        logger.propagate = False
    try:
        for _ in range(500):
            library.error("Unable connect to node with id %s: %s", 1, "refused")
            own.warning("outbox relay round failed")
        assert len([line for line in lines if "Unable connect" in line]) == 1
        assert len([line for line in lines if "outbox relay" in line]) == 500, "our own lines are never held back"
        handler.filters[0]._seen[("aiokafka.probe", "Unable connect to node with id %s: %s")] = (float("-inf"), 499)
        library.error("Unable connect to node with id %s: %s", 1, "refused")
        assert json.loads(lines[-1])["suppressed_repeats"] == 499
    finally:
        for logger in (library, own):
            logger.removeHandler(handler)
            logger.propagate = True
