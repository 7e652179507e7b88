"""CloudEvents 1.0: the platform's one codec, for Kafka records and webhook bodies.

On Kafka, binary mode: attributes travel as `ce_*` headers, the value is the event's JSON
data, and the W3C `traceparent` header rides beside them. Binary mode was chosen over
structured mode so that consumers which only want the data read plain JSON, and routing
needs no parsing. The outbox relay publishes staged events with the same headers and value
(`binary_headers`, `data_bytes`).

Webhook receivers get structured mode instead (`structured_json`): one JSON document with
the attributes beside `data`, which is what HTTP receivers of CloudEvents expect and what the
webhook signature covers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.registry import event_class

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time")


class InvalidEvent(ValueError):
    """A record that does not satisfy the contract; the reason says why."""


@dataclass(frozen=True)
class CloudEvent:
    """An integration event with its CloudEvents attributes."""

    data: IntegrationEvent
    source: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    trace_headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.data.event_type()

    @property
    def subject(self) -> str:
        return self.data.key()

    @property
    def topic(self) -> str:
        return self.data.topic

    def headers(self) -> dict[str, str]:
        return {**binary_headers(id=self.id, type=self.type, source=self.source, time=self.time.isoformat(),
                                 subject=self.subject),
                **self.trace_headers}

    def value(self) -> bytes:
        return data_bytes(self.data.payload())


def binary_headers(*, id: str, type: str, source: str, time: str, subject: str) -> dict[str, str]:
    """The `ce_*` headers of a record in binary mode (`time` in RFC 3339)."""
    return {
        "ce_specversion": SPEC_VERSION,
        "ce_id": id,
        "ce_type": type,
        "ce_source": source,
        "ce_time": time,
        "ce_subject": subject,
        "content-type": CONTENT_TYPE,
    }


def data_bytes(data: Any) -> bytes:
    """The record's value in binary mode: the event's JSON data, compact (ASCII-escaped).

    `default=str` covers data read back from the outbox, where a value may have come back as
    a type JSON has no name for; an event's own payload is JSON already.
    """
    return json.dumps(data, separators=(",", ":"), default=str).encode()


def structured_json(event: CloudEvent) -> bytes:
    """The event in CloudEvents JSON format (structured mode), the body every webhook receiver gets.

    UTF-8 as it is (not ASCII-escaped): receivers verify the signature over these bytes.
    """
    envelope = {
        "specversion": SPEC_VERSION, "id": event.id, "source": event.source, "type": event.type,
        "subject": event.subject, "time": event.time.isoformat(), "datacontenttype": CONTENT_TYPE,
        "data": event.data.payload(),
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def decode_headers(raw: Iterable[tuple[str, bytes | str | None]] | Mapping[str, bytes | str | None]) -> dict[str, str]:
    pairs = raw.items() if isinstance(raw, Mapping) else raw
    decoded: dict[str, str] = {}
    for name, value in pairs:
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        decoded[name] = value or ""
    return decoded


def parse_record(headers: Mapping[str, str], value: bytes | None) -> CloudEvent:
    """Validate a Kafka record against the contract, or raise InvalidEvent with the reason."""
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers["ce_specversion"] != SPEC_VERSION:
        raise InvalidEvent(f"unsupported ce_specversion {headers['ce_specversion']!r}")
    model = event_class(headers["ce_type"])
    if model is None:
        raise InvalidEvent(f"unknown ce_type {headers['ce_type']!r}")
    try:
        payload = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidEvent(f"value is not JSON: {exc}") from exc
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in exc.errors())
        raise InvalidEvent(f"{model.event_type()} does not match schema v1: {problems}") from exc
    try:
        time = datetime.fromisoformat(headers["ce_time"])
    except ValueError as exc:
        raise InvalidEvent(f"ce_time is not an RFC 3339 timestamp: {headers['ce_time']!r}") from exc
    trace_headers = {k: headers[k] for k in ("traceparent", "tracestate") if headers.get(k)}
    return CloudEvent(data=data, source=headers["ce_source"], id=headers["ce_id"], time=time, trace_headers=trace_headers)
