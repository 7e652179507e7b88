"""samla-ops against the real stack: lag, outbox backlog, dead letters and their replay, rebuilds.

Every test uses keys, groups and databases of its own, so the shared topics and other
tests' consumers see at most a few extra records about cohorts nobody asks for.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from samla_ops import cli
from samla_ops.config import SERVICES
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from tests.support.kafka import event_headers, start_group_at_end

# The shared stack, as the root conftest finds it (importing conftest would start a second token issuer).
KAFKA = os.environ.get("SAMLA_TEST_KAFKA", "127.0.0.1:9092")
MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")

TOPIC = "samla.enrollment.v1"


async def ops(capsys, *args: str, kafka: str = KAFKA, mongo: str = MONGO) -> tuple[int, object]:
    """Run the CLI in a worker thread (it owns its event loop) and parse its --json output."""
    def run() -> int:
        try:
            cli.main(["--kafka", kafka, "--mongo", mongo, "--json", *args])
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else 1
        return 0

    code = await asyncio.to_thread(run)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith(("[", "{")) else out


def enrolled(cohort_id: str, sequence: int = 1) -> CloudEvent:
    return CloudEvent(data=ParticipantEnrolled(
        network_id="net-ops", cohort_id=cohort_id, programme_id="prog-ops", application_id=uuid.uuid4().hex,
        participant_id=uuid.uuid4().hex, organisation_id="org-1", unit_id="unit-1", cohort_sequence=sequence),
        source="/samla/test/enrollment")


async def test_lag_reports_each_partition_of_a_group_with_what_it_has_not_consumed(producer, capsys):
    group = f"test-ops-lag-{uuid.uuid4().hex[:8]}"
    tps = list(await start_group_at_end(KAFKA, group, [TOPIC]))
    key = f"cohort-ops-lag-{uuid.uuid4().hex}"
    sent = [await producer.send_and_wait(TOPIC, enrolled(key).value(), key=key.encode(),
                                         headers=event_headers(enrolled(key))) for _ in range(3)]

    code, rows = await ops(capsys, "lag", "--group", group)
    assert code == 0
    assert {r["partition"] for r in rows} == {tp.partition for tp in tps}
    [mine] = [r for r in rows if r["partition"] == sent[0].partition]
    assert mine["lag"] >= 3 and mine["lag"] == mine["end"] - mine["committed"]


async def test_backlog_counts_pending_outbox_events_per_collection_without_changing_them(capsys):
    database = f"test_ops_backlog_{uuid.uuid4().hex[:8]}"
    mongo: AsyncMongoClient = AsyncMongoClient(MONGO)
    staged = datetime.now(UTC) - timedelta(minutes=5)
    entry = {"id": "e1", "time": staged, "topic": TOPIC, "key": "c1", "type": "CohortOpened"}
    try:
        await mongo[database].cohorts.insert_one({"_id": "c1", "outbox": {"e1": entry, "e2": entry | {"id": "e2"}},
                                                  "outbox_pending": 2})
        await mongo[database].interests.insert_one({"_id": "a1", "outbox": {"e3": entry | {"id": "e3"}},
                                                       "outbox_pending": 1})
        await mongo[database].interests.insert_one({"_id": "a2", "outbox": {}, "outbox_pending": 0})
        before = [d async for d in mongo[database].cohorts.find()]

        code, rows = await ops(capsys, "backlog", "--service", "enrollment", "--database", database)
        assert code == 0
        by_collection = {r["collection"]: r for r in rows}
        assert set(by_collection) == set(SERVICES["enrollment"].outbox_collections)
        assert (by_collection["cohorts"]["events"], by_collection["interests"]["events"]) == (2, 1)
        assert by_collection["programmes"]["events"] == 0
        assert by_collection["cohorts"]["oldest_age_s"] >= 290
        assert [d async for d in mongo[database].cohorts.find()] == before
    finally:
        await mongo.drop_database(database)
        await mongo.close()


async def test_dead_letters_are_listed_with_reasons_and_replayed_to_their_topic_without_dlq_headers(
        producer, capsys, topic_records):
    cohort_id = f"cohort-ops-dlq-{uuid.uuid4().hex}"
    event = enrolled(cohort_id)
    since_ms = int(datetime.now(UTC).timestamp() * 1000)
    parked = await producer.send_and_wait(
        f"{TOPIC}.dlq", event.value(), key=cohort_id.encode(),
        headers=event_headers(event, dlq_reason="ParticipantEnrolled handler failed 3 times: test",
                               dlq_original_topic=TOPIC, dlq_original_partition="0", dlq_original_offset="0",
                               dlq_failed_at=datetime.now(UTC).isoformat(), dlq_consumer="sessions"))

    code, letters = await ops(capsys, "dlq", "list", "--topic", TOPIC)
    assert code == 0
    [listed] = [d for d in letters if d["key"] == cohort_id]
    assert listed["reason"].startswith("ParticipantEnrolled handler failed")
    assert (listed["offset"], listed["ce_type"], listed["consumer"]) == (parked.offset, "ParticipantEnrolled", "sessions")

    code, replayed = await ops(capsys, "dlq", "replay", "--topic", f"{TOPIC}.dlq",
                               "--offsets", f"{parked.partition}:{parked.offset}")
    assert code == 0
    assert replayed[0]["topic"] == TOPIC and replayed[0]["ce_id"] == event.id
    [again] = await topic_records(TOPIC, key=cohort_id, since_ms=since_ms)
    headers = {k: v.decode() for k, v in again.headers}
    assert headers == event.headers(), "original headers, nothing of the dead-letter ones"
    assert again.value == event.value()

    code, _ = await ops(capsys, "dlq", "replay", "--topic", TOPIC, "--offsets", "0:999999999")
    assert code != 0


def test_the_tools_table_matches_what_each_service_declares():
    """backlog reads the outbox collections the relay of each service reads; rebuild resets the topics it consumes."""
    import importlib

    for name, known in SERVICES.items():
        repository = importlib.import_module(f"samla_{name}.adapters.repository") \
            if importlib.util.find_spec(f"samla_{name}.adapters.repository") else None
        declared = getattr(repository, "OUTBOX_COLLECTIONS", ())
        assert set(declared) <= set(known.outbox_collections), f"{name}: backlog would miss pending events"
        settings = importlib.import_module(f"samla_{name}.settings")
        [settings_class] = [v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings"]
        assert settings_class.model_fields["mongo_database"].default == known.database, name
        create_app = importlib.import_module(f"samla_{name}.entrypoints.app").create_app
        runtime = create_app(settings_class(environment="test")).state.runtime
        assert {topic for topic, _ in runtime._subscriptions} == set(known.consumes), name
    from samla_ops.config import PROJECTIONS

    for projection in PROJECTIONS.values():
        assert set(projection.topics) <= set(SERVICES[projection.service].consumes), projection.name
