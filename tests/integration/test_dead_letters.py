"""Records that break the contract go to the topic's DLQ with the reason; the consumer moves on."""

from __future__ import annotations

import json
import uuid

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.support.kafka import event_headers

TOPIC = "samla.enrollment.v1"


def enrolled(cohort_id: str) -> CloudEvent:
    return CloudEvent(
        data=ParticipantEnrolled(network_id="net-1", cohort_id=cohort_id, programme_id="prog-1",
                                 application_id=uuid.uuid4().hex, participant_id=uuid.uuid4().hex,
                                 organisation_id="org-1", unit_id="unit-1", cohort_sequence=1),
        source="/samla/test/enrollment",
    )


def as_record(event: CloudEvent) -> tuple[list[tuple[str, bytes]], bytes]:
    return event_headers(event), event.value()


async def test_poison_records_are_dead_lettered_with_reasons_and_the_next_good_one_is_processed(
        service, producer, wait_until, topic_records):
    cohort_id = f"cohort-{uuid.uuid4().hex}"
    key = cohort_id.encode()
    async with service(create_sessions, SessionsSettings) as sessions:
        headers, _ = as_record(enrolled(cohort_id))
        await producer.send_and_wait(TOPIC, b"{not json", key=key, headers=headers)

        unknown = [(k, b"ParticipantTeleported" if k == "ce_type" else v) for k, v in headers]
        await producer.send_and_wait(TOPIC, b"{}", key=key, headers=unknown)

        invalid = json.loads(enrolled(cohort_id).value()) | {"cohort_sequence": "first", "nickname": "x"}
        await producer.send_and_wait(TOPIC, json.dumps(invalid).encode(), key=key, headers=headers)

        good = enrolled(cohort_id)
        good_headers, good_value = as_record(good)
        await producer.send_and_wait(TOPIC, good_value, key=key, headers=good_headers)

        async def roster_has_good_participant():
            members = (await sessions.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
            return [m for m in members if m["participant_id"] == good.data.participant_id]

        await wait_until(roster_has_good_participant)

        async def three_dead_letters():
            found = [{k: v.decode() for k, v in r.headers}
                     for r in await topic_records(f"{TOPIC}.dlq", key=cohort_id)]
            return found if len(found) >= 3 else []

        reasons = [d["dlq_reason"] for d in await wait_until(three_dead_letters)]
        assert any("not JSON" in r for r in reasons)
        assert any("unknown ce_type 'ParticipantTeleported'" in r for r in reasons)
        assert any("does not match schema v1" in r and "cohort_sequence" in r for r in reasons)
        metrics = (await sessions.get("/metrics")).text
        assert 'samla_dlq_messages_total{service="sessions",topic="samla.enrollment.v1"}' in metrics
