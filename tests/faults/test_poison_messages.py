"""Poison on every topic: each service that consumes it dead-letters malformed JSON, an unknown
ce_type and a schema-invalid payload with the reason, moves on, and processes the next good event.

The consumers of a topic are found from each service's AsyncAPI document, so a service
that starts consuming a topic is covered here without changing this test.
"""

from __future__ import annotations

import importlib
import json
import uuid
from typing import Any

import pytest

from samla_ops.kafka import read_dead_letters
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.publication import example_payload
from samla_shared.contract.registry import event_class
from tests.support.kafka import open_producer, start_group_at_end

pytestmark = pytest.mark.slow

TOPICS = ["samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1"]
SERVICES = ["enrollment", "sessions", "measures", "notifications"]


def service_factory(name: str) -> tuple[Any, type]:
    app_module = importlib.import_module(f"samla_{name}.entrypoints.app")
    settings_module = importlib.import_module(f"samla_{name}.settings")
    settings = next(v for k, v in vars(settings_module).items() if k.endswith("Settings") and k != "ServiceSettings")
    return app_module.create_app, settings


def consumers_of(topic: str) -> dict[str, list[str]]:
    """{service: event types it handles} for every service whose AsyncAPI says it receives `topic`."""
    found = {}
    for name in SERVICES:
        create_app, settings = service_factory(name)
        spec = create_app(settings(environment="test")).state.runtime.asyncapi()
        for operation in spec.get("operations", {}).values():
            if operation["action"] != "receive":
                continue
            channel = spec["channels"][operation["channel"]["$ref"].split("/")[-1].replace("%20", " ")]
            if channel["address"] == topic:
                handled = channel.get("description", "").partition("handles:")[2]
                found[name] = [t.strip() for t in handled.split(",") if t.strip()]
    return found


# Reference facts a consumer records without calling anything else; tried first as the
# "good" event, so that what is tested is the consumer moving on, not (say) a mail server.
PREFERRED_GOOD_EVENTS = ["CohortOpened", "ProgrammePublished", "SessionScheduled", "MeasureProposed"]


def good_event_type(handled: list[str]) -> str:
    return next((t for t in PREFERRED_GOOD_EVENTS if t in handled), sorted(handled)[0])


def good_event(event_type: str, key: str) -> CloudEvent:
    cls = event_class(event_type)
    payload = example_payload(cls) | {cls.key_field: key}
    return CloudEvent(data=cls(**payload), source="/samla/fault/poison")


def as_headers(values: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in values.items()]


@pytest.mark.parametrize("topic", TOPICS)
async def test_poison_records_are_dead_lettered_with_their_reason_and_the_next_good_event_is_processed(
        topic, fault_stack, fault_service, wait_until):
    consumers = consumers_of(topic)
    assert consumers, f"no service consumes {topic}: its poison records would go unchecked"
    for service, handled in consumers.items():
        create_app, settings = service_factory(service)
        group = f"fault-poison-{service}-{uuid.uuid4().hex[:8]}"
        await start_group_at_end(fault_stack.kafka, group, TOPICS)
        async with fault_service(create_app, settings, consumer_group=group) as client:
            key = f"poison-{uuid.uuid4().hex[:12]}"
            good = good_event(good_event_type(handled), key)
            headers = good.headers() | {"ce_id": uuid.uuid4().hex}
            async with open_producer(fault_stack.kafka) as producer:
                await producer.send_and_wait(topic, b"{not json", key=key.encode(), headers=as_headers(headers))
                unknown = headers | {"ce_type": "ParticipantTeleported", "ce_id": uuid.uuid4().hex}
                await producer.send_and_wait(topic, b"{}", key=key.encode(), headers=as_headers(unknown))
                invalid = json.loads(good.value()) | {"nickname": "x"}
                await producer.send_and_wait(topic, json.dumps(invalid).encode(), key=key.encode(),
                                             headers=as_headers(headers | {"ce_id": uuid.uuid4().hex}))
                sent = await producer.send_and_wait(topic, good.value(), key=key.encode(),
                                                    headers=as_headers(good.headers()))

            def kind(reason: str) -> str | None:
                if "not JSON" in reason:
                    return "malformed"
                if "unknown ce_type 'ParticipantTeleported'" in reason:
                    return "unknown type"
                if "does not match schema" in reason and "nickname" in reason:
                    return "schema-invalid"
                return None

            async def three_dead_letters():
                # A rebalance may redeliver a record already parked: it is parked again
                # (at-least-once), so wait for the three kinds, not for three records.
                letters = [d for d in await read_dead_letters(fault_stack.kafka, topic)
                           if d.key == key.encode() and d.header("dlq_consumer") == service]
                kinds = {kind(d.header("dlq_reason") or "") for d in letters}
                return letters if {"malformed", "unknown type", "schema-invalid"} <= kinds else []

            letters = await wait_until(three_dead_letters, timeout=60)
            reasons = [d.header("dlq_reason") or "" for d in letters]
            assert any("not JSON" in r for r in reasons), reasons
            assert any("unknown ce_type 'ParticipantTeleported'" in r for r in reasons), reasons
            assert any("does not match schema" in r and "nickname" in r for r in reasons), reasons
            assert all(d.original_topic == topic for d in letters)
            assert good.id not in {d.header("ce_id") for d in letters}, "the good event was dead-lettered"

            async def good_event_handled() -> bool:
                metrics = (await client.get("/metrics")).text
                line = (f'samla_events_consumed_total{{service="{service}",topic="{topic}",'
                        f'type="{good.type}"}}')
                return any(m.startswith(line) and float(m.split()[-1]) >= 1 for m in metrics.splitlines())

            await wait_until(good_event_handled, timeout=60)

            from samla_ops.kafka import consumer_lag

            async def moved_past_the_good_event() -> bool:
                rows = [r for r in await consumer_lag(fault_stack.kafka, [group])
                        if r.topic == topic and r.partition == sent.partition]
                return bool(rows) and (rows[0].committed or 0) > sent.offset

            await wait_until(moved_past_the_good_event, timeout=60)
            print(f"\n{topic} -> {service}: {len(letters)} dead letters ({'; '.join(r[:50] for r in reasons)}), "
                  f"then {good.type} processed")
