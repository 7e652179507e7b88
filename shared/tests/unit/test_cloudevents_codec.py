"""One CloudEvents codec: the records the outbox relay publishes and the webhook bodies carry
exactly the bytes the contract documents (docs/events.md), whichever path produced them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from samla_shared.contract.cloudevents import CloudEvent, binary_headers, data_bytes, parse_record, structured_json
from samla_shared.contract.enrollment import ProgrammePublished
from samla_shared.messaging.outbox import staged
from samla_shared.messaging.relay import record_headers

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def published() -> CloudEvent:
    programme = ProgrammePublished(network_id="n1", programme_id="p9", code="KULT", title="Kultur på tvers",
                                   language="nb")
    return CloudEvent(data=programme, source="/samla/vest/enrollment", id="e1", time=AT,
                      trace_headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})


def test_binary_mode_headers_and_value_are_the_documented_bytes():
    event = published()
    assert event.headers() == {
        "ce_specversion": "1.0", "ce_id": "e1", "ce_type": "ProgrammePublished",
        "ce_source": "/samla/vest/enrollment", "ce_time": "2026-03-02T09:30:00+00:00", "ce_subject": "p9",
        "content-type": "application/json",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    value = event.value()
    assert value.startswith(b'{"schema_version":1,"network_id":"n1","programme_id":"p9","code":"KULT",')
    assert b'"title":"Kultur p\\u00e5 tvers"' in value  # compact and ASCII-escaped
    assert value == json.dumps(event.data.payload(), separators=(",", ":")).encode()


def test_the_relay_publishes_a_staged_event_with_the_headers_and_value_of_the_event_itself():
    event = published()
    [entry] = staged(event.data, source=event.source)["$set"].values()
    entry.update(id=event.id, time=AT.replace(tzinfo=None))  # as MongoDB gives a datetime back: naive, in UTC
    expected = {k: v for k, v in event.headers().items() if k != "traceparent"}
    assert record_headers(entry) == expected
    assert data_bytes(entry["data"]) == event.value()


def test_a_published_record_reads_back_as_the_same_event():
    event = published()
    back = parse_record(event.headers(), event.value())
    assert (back.id, back.type, back.source, back.time, back.data) == (event.id, event.type, event.source,
                                                                      event.time, event.data)


def test_headers_are_built_from_attributes_alone():
    assert binary_headers(id="x", type="T", source="s", time="2026-01-01T00:00:00+00:00", subject="k") == {
        "ce_specversion": "1.0", "ce_id": "x", "ce_type": "T", "ce_source": "s",
        "ce_time": "2026-01-01T00:00:00+00:00", "ce_subject": "k", "content-type": "application/json"}


def test_webhook_bodies_are_structured_mode_utf8_compact():
    body = structured_json(published())
    assert body.startswith(
        b'{"specversion":"1.0","id":"e1","source":"/samla/vest/enrollment","type":"ProgrammePublished",'
        b'"subject":"p9","time":"2026-03-02T09:30:00+00:00","datacontenttype":"application/json",'
        b'"data":{"schema_version":1,"network_id":"n1","programme_id":"p9"')
    assert "Kultur på tvers".encode() in body  # not ASCII-escaped: the signature covers these bytes
    assert json.loads(body)["data"] == published().data.payload()
