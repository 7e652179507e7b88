"""The relay publishes what a document's outbox holds, with CloudEvents headers, then marks it sent."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from aiokafka.errors import KafkaConnectionError
from pymongo import AsyncMongoClient, monitoring

from samla_shared.contract.enrollment import CohortCapacityChanged
from samla_shared.messaging import relay as relay_module
from samla_shared.messaging.outbox import mark_pending, merge_updates, new_document_outbox, staged, staged_packed
from samla_shared.messaging.relay import OutboxRelay
from samla_shared.persistence.document_locks import DocumentLocks


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
    await mark_pending(db.cohorts, cohort_id)
    slow_may_go.set()
    assert await slow_round == 2  # sent again (at-least-once), but already marked by the fast one

    document = await db.cohorts.find_one({"_id": cohort_id})
    assert document["outbox_pending"] == 1 and len(document["outbox"]) == 1
    assert await fast.publish_pending() == 1
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert sorted({json.loads(r.value)["capacity"] for r in records}) == [10, 20, 30]


class CommandLog(monitoring.CommandListener):
    """The commands a client sent, as the server received them."""

    def __init__(self) -> None:
        self.commands: list[dict] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append({"name": event.command_name, **event.command})

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def stage(db, cohort_id: str, *capacities: int) -> None:
    """Stage events as a service does: the state write with its entries, then the pending marker."""
    update = merge_updates({"$set": {"capacity": capacities[-1]}},
                           staged(*(capacity_change(cohort_id, c) for c in capacities), source="/samla/t"))
    await db.cohorts.update_one({"_id": cohort_id}, update, upsert=True)
    await mark_pending(db.cohorts, cohort_id, update)


async def test_an_event_whose_marker_was_lost_is_published_when_the_relay_starts_again(db, producer, topic_records):
    """A writer that stopped between its state write and its marker write loses no event."""
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test")
    assert await relay.publish_pending() == 0  # started: its full scan found nothing

    await stage(db, cohort_id, 10)
    await db.cohorts_pending.delete_one({"_id": cohort_id})  # the crash: the marker never got written
    assert await relay.publish_pending() == 0, "a round reads the markers, not the whole collection"

    restarted = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test")
    assert await restarted.publish_pending() == 1
    document = await db.cohorts.find_one({"_id": cohort_id})
    assert document["outbox_pending"] == 0 and document["outbox"] == {}
    assert await db.cohorts_pending.count_documents({}) == 0, "a drained document keeps no marker"
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert [json.loads(r.value)["capacity"] for r in records] == [10]


async def test_a_relay_that_runs_long_enough_marks_again_what_lost_its_marker(db, producer, topic_records,
                                                                               monkeypatch):
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    # The relay's monotonic clock, moved by the test alone: "long enough" is then exactly what the
    # test says, on a loaded machine as on an idle one.
    now = [1000.0]
    monkeypatch.setattr(relay_module, "monotonic", lambda: now[0])
    relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test", full_scan_interval=0.2)
    assert await relay.publish_pending() == 0
    await stage(db, cohort_id, 15)
    await db.cohorts_pending.delete_one({"_id": cohort_id})
    now[0] += 0.1
    assert await relay.publish_pending() == 0, "within the interval a round reads the markers only"
    now[0] += 0.2  # past the interval: this round is a safety-net scan again
    assert await relay.publish_pending() == 1
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert [json.loads(r.value)["capacity"] for r in records] == [15]


async def test_a_steady_round_finds_its_work_through_the_markers_and_id_lookups_only(mongo_url, producer,
                                                                                     topic_records):
    since_ms = int(time.time() * 1000) - 1000
    commands = CommandLog()
    mongo = AsyncMongoClient(mongo_url, tz_aware=True, event_listeners=[commands])
    db = mongo[f"test_relay_{uuid.uuid4().hex[:8]}"]
    try:
        idle = [f"cohort-{uuid.uuid4().hex}" for _ in range(20)]
        await db.cohorts.insert_many([{"_id": c, "capacity": 5, "outbox": {}, "outbox_pending": 0} for c in idle])
        relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test")
        assert await relay.publish_pending() == 0  # the start-up scan
        busy = [f"cohort-{uuid.uuid4().hex}" for _ in range(3)]
        for cohort_id in busy:
            await stage(db, cohort_id, 20, 21)
        await stage(db, busy[0], 22)

        commands.commands.clear()
        assert await relay.publish_pending() == 7
        await relay.measure_backlog()
        assert await relay.publish_pending() == 0

        reads = [c for c in commands.commands if c["name"] in ("find", "count", "aggregate", "findAndModify")]
        assert not [c for c in reads if "outbox_pending" in repr(c.get("filter", c.get("query", {})))], \
            "no round after the first scans for outbox_pending"
        on_documents = [c for c in commands.commands if c.get(c["name"]) == "cohorts" and c["name"] != "update"]
        assert on_documents and all(set(c["filter"]) == {"_id"} and isinstance(c["filter"]["_id"], str)
                                    for c in on_documents), "documents are read by `_id` only"
        assert {c["find"] for c in reads if c["name"] == "find"} == {"cohorts", "cohorts_pending"}
        updates = [u for c in commands.commands if c["name"] == "update" for u in c["updates"]]
        assert updates and all(set(u["q"]) <= {"_id", *(k for k in u["q"] if k.startswith("outbox."))}
                               for u in updates)
        assert await db.cohorts_pending.count_documents({}) == 0
        for cohort_id in busy:
            records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
            expected = [20, 21, 22] if cohort_id == busy[0] else [20, 21]
            assert [json.loads(r.value)["capacity"] for r in records] == expected
    finally:
        await mongo.drop_database(db.name)
        await mongo.close()


async def test_events_staged_while_the_relay_drains_their_document_are_all_sent_in_order(
        db, producer, topic_records, wait_until):
    """A writer keeps staging on documents the relay keeps draining (sharing the document locks):
    no marker is removed while its document has work, and each cohort's events arrive in order."""
    since_ms = int(time.time() * 1000) - 1000
    locks = DocumentLocks()
    relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test", locks=locks, idle_interval=0.01)
    cohorts = [f"cohort-{uuid.uuid4().hex}" for _ in range(4)]
    running = asyncio.create_task(relay.run())
    try:
        for capacity in range(1, 31):
            for cohort_id in cohorts:
                async with locks.hold("cohorts", cohort_id):
                    await stage(db, cohort_id, capacity)
                relay.notify()
            await asyncio.sleep(0)

        async def drained() -> bool:
            waiting = await db.cohorts.count_documents({"_id": {"$in": cohorts}, "outbox_pending": {"$gt": 0}})
            return waiting == 0

        await wait_until(drained, timeout=60)
    finally:
        relay.stop()
        await asyncio.wait_for(running, timeout=30)
    assert await db.cohorts_pending.count_documents({}) == 0
    for cohort_id in cohorts:
        records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
        assert list(dict.fromkeys(json.loads(r.value)["capacity"] for r in records)) == list(range(1, 31))


async def test_a_marker_left_on_a_document_with_nothing_to_send_is_removed_and_a_new_event_still_goes_out(
        db, producer, topic_records):
    since_ms = int(time.time() * 1000) - 1000
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    relay = OutboxRelay(db, ["cohorts"], publishing_to(producer), service="test")
    await stage(db, cohort_id, 5)
    assert await relay.publish_pending() == 1
    await mark_pending(db.cohorts, cohort_id)  # a writer's marker arriving after the relay drained the document
    assert await relay.publish_pending() == 0
    assert await db.cohorts_pending.count_documents({}) == 0
    await stage(db, cohort_id, 6)
    assert await relay.publish_pending() == 1
    records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
    assert [json.loads(r.value)["capacity"] for r in records] == [5, 6]
