"""The relay publishes what a document's outbox holds, with CloudEvents headers, then marks it sent."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from aiokafka.errors import KafkaConnectionError
from pymongo import AsyncMongoClient

from samla_shared.contract.enrollment import CohortCapacityChanged
from samla_shared.messaging.outbox import merge_updates, new_document_outbox, staged, staged_packed
from samla_shared.messaging.relay import OutboxRelay


@pytest.fixture
async def db(mongo_url):
    mongo = AsyncMongoClient(mongo_url, tz_aware=True)
    database = mongo[f"test_relay_{uuid.uuid4().hex[:8]}"]
    try:
        yield database
    finally:
        await mongo.drop_database(database.name)
        await mongo.close()


def capacity_change(cohort_id: str, capacity: int) -> CohortCapacityChanged:
    return CohortCapacityChanged(network_id="n", cohort_id=cohort_id, programme_id="p", capacity=capacity,
                                 seats_taken=0)


def publishing_to(producer):
    async def publish(topic, key, value, headers):
        return await producer.send(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])
    return publish


async def test_the_relay_keeps_events_while_publishing_fails_and_sends_them_in_order_afterwards(
        db, producer, topic_records):
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    events = [capacity_change(cohort_id, c) for c in (10, 20, 30)]
    await db.cohorts.insert_one({"_id": cohort_id, "capacity": 30} | new_document_outbox(*events, source="/samla/t"))

    broker_up = False

    async def publish(topic, key, value, headers):
        if not broker_up:
            raise KafkaConnectionError("broker unreachable")
        return await producer.send(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])

    relay = OutboxRelay(db, ["cohorts"], publish, service="test")
    try:
        await relay.publish_pending()
    except KafkaConnectionError:
        pass
    assert (await db.cohorts.find_one({"_id": cohort_id}))["outbox_pending"] == 3

    broker_up = True
    assert await relay.publish_pending() == 3
    document = await db.cohorts.find_one({"_id": cohort_id})
    assert document["outbox_pending"] == 0 and document["outbox"] == {}
    assert await relay.publish_pending() == 0, "sent events are not sent again"

    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    headers = [{k: v.decode() for k, v in r.headers} for r in records]
    assert [h["ce_type"] for h in headers] == ["CohortCapacityChanged"] * 3
    assert [json.loads(r.value)["capacity"] for r in records] == [10, 20, 30]
    assert all(h["ce_source"] == "/samla/t" and h["ce_subject"] == cohort_id for h in headers)


async def test_a_packed_entry_is_published_event_by_event_in_order_and_removed_once(db, producer, topic_records):
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    await db.cohorts.insert_one({"_id": cohort_id, "capacity": 10}
                                | new_document_outbox(capacity_change(cohort_id, 10), source="/samla/t"))
    await db.cohorts.update_one({"_id": cohort_id}, merge_updates(
        {"$set": {"capacity": 40}},
        staged_packed(*(capacity_change(cohort_id, c) for c in (20, 30, 40)), source="/samla/t")))

    relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test")
    assert await relay.publish_pending() == 4
    document = await db.cohorts.find_one({"_id": cohort_id})
    assert document["outbox_pending"] == 0 and document["outbox"] == {}
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert [json.loads(r.value)["capacity"] for r in records] == [10, 20, 30, 40]
    headers = [{k: v.decode() for k, v in r.headers} for r in records]
    assert len({h["ce_id"] for h in headers}) == 4 and all(h["ce_type"] == "CohortCapacityChanged" for h in headers)


async def test_entries_another_instance_already_marked_are_not_counted_off_twice(db, producer, topic_records):
    """Two instances' relays may publish the same entries; the slower one must not hide a newer entry."""
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    await db.cohorts.insert_one({"_id": cohort_id} | new_document_outbox(
        capacity_change(cohort_id, 10), capacity_change(cohort_id, 20), source="/samla/t"))
    publish = publishing_to(producer)
    slow_has_read = asyncio.Event()
    slow_may_go = asyncio.Event()

    async def publish_slowly(topic, key, value, headers):
        slow_has_read.set()  # it publishes what it read: both entries are in its hands now
        await slow_may_go.wait()
        return await publish(topic, key, value, headers)

    fast = OutboxRelay(db, ["cohorts"], publish, service="test")
    slow = OutboxRelay(db, ["cohorts"], publish_slowly, service="test")
    slow_round = asyncio.create_task(slow.publish_pending())  # reads both entries, then waits to send
    await asyncio.wait_for(slow_has_read.wait(), timeout=30)
    assert await fast.publish_pending() == 2
    await db.cohorts.update_one({"_id": cohort_id}, staged(capacity_change(cohort_id, 30), source="/samla/t"))
    slow_may_go.set()
    assert await slow_round == 2  # sent again (at-least-once), but already marked by the fast one

    document = await db.cohorts.find_one({"_id": cohort_id})
    assert document["outbox_pending"] == 1 and len(document["outbox"]) == 1
    assert await fast.publish_pending() == 1
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert sorted({json.loads(r.value)["capacity"] for r in records}) == [10, 20, 30]
