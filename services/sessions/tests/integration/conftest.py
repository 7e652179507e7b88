"""Fixtures of the sessions integration tests: enrollment's events put on the real topic by the test.

The sessions service learns programmes, cohorts and its rosters only from enrollment's
events, so these tests play enrollment's part themselves with CloudEvents records. That
also lets them redeliver and reorder records at will.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from samla_shared.contract import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import (
    CohortOpened,
    CompletionRule,
    GatheringKind,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    PlannedGathering,
    ProgrammePublished,
)
from tests.support.kafka import commit_group_offsets, end_offsets, event_headers

NETWORK = "net-sor-ost"
# Seed 000's plan: a 2-day kickoff, a gathering, a digital meeting and a closing.
KULT_PLAN = [
    PlannedGathering(kind=GatheringKind.KICKOFF, days=2),
    PlannedGathering(kind=GatheringKind.GATHERING, days=1, weeks_after_previous=6),
    PlannedGathering(kind=GatheringKind.DIGITAL_MEETING, days=1, online=True, weeks_after_previous=4),
    PlannedGathering(kind=GatheringKind.CLOSING, days=1, weeks_after_previous=6),
]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class EnrollmentFeed:
    """Builds enrollment's events and puts them on `samla.enrollment.v1` as enrollment's relay would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def send(self, *events: IntegrationEvent | CloudEvent) -> list[CloudEvent]:
        sent = []
        for event in events:
            cloud = event if isinstance(event, CloudEvent) else CloudEvent(data=event, source="/samla/test/enrollment")
            await self.producer.send_and_wait(
                ENROLLMENT_TOPIC, cloud.value(), key=cloud.subject.encode(),
                headers=event_headers(cloud))
            sent.append(cloud)
        return sent

    @staticmethod
    def programme(*, plan: list[PlannedGathering] | None = None, excused_counts: bool = False) -> ProgrammePublished:
        return ProgrammePublished(
            network_id=NETWORK, programme_id=new_id("prog"), code="KULT", title="Kulturkompetanse", language="nb",
            gathering_plan=KULT_PLAN if plan is None else plan,
            completion_rule=CompletionRule(excused_absence_counts_as_attended=excused_counts))

    @staticmethod
    def cohort(programme: ProgrammePublished, *, starts_on: date | None = date(2027, 1, 4),
               time_zone: str = "Europe/Oslo") -> CohortOpened:
        now = datetime.now(UTC)
        return CohortOpened(
            network_id=NETWORK, cohort_id=new_id("cohort"), programme_id=programme.programme_id, term="spring-2027",
            location="Oslo", capacity=30, time_zone=time_zone, applications_open_at=now - timedelta(days=30),
            applications_close_at=now + timedelta(days=30), starts_on=starts_on)

    @staticmethod
    def enrolled(cohort_id: str, sequence: int, *, participant_id: str | None = None,
                 application_id: str | None = None, via: str = "direct") -> ParticipantEnrolled:
        return ParticipantEnrolled(
            network_id=NETWORK, cohort_id=cohort_id, programme_id="prog-x",
            application_id=application_id or new_id("app"), participant_id=participant_id or new_id("person"),
            organisation_id="org-ahus", unit_id="unit-med-3", via=via, cohort_sequence=sequence)

    @staticmethod
    def withdrawn(enrolment: ParticipantEnrolled, sequence: int) -> ParticipantWithdrawn:
        return ParticipantWithdrawn(
            network_id=NETWORK, cohort_id=enrolment.cohort_id, programme_id=enrolment.programme_id,
            application_id=enrolment.application_id, participant_id=enrolment.participant_id,
            organisation_id=enrolment.organisation_id, unit_id=enrolment.unit_id, previous_status="enrolled",
            cohort_sequence=sequence)


@pytest.fixture
def enrollment_feed(producer) -> EnrollmentFeed:
    return EnrollmentFeed(producer)


@pytest.fixture
def published(topic_records) -> Callable[..., Awaitable[list[tuple[str, dict[str, Any]]]]]:
    """The (ce_type, data) of the sessions events keyed by a cohort since a time, optionally of some types."""

    async def read(cohort_id: str, since_ms: int, *types: str) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for record in await topic_records(SESSIONS_TOPIC, key=cohort_id, since_ms=since_ms):
            ce_type = dict(record.headers)["ce_type"].decode()
            if not types or ce_type in types:
                found.append((ce_type, json.loads(record.value)))
        return found

    return read


@pytest.fixture
def known_to_sessions(wait_until):
    """Wait until the sessions service has heard of a cohort (its CohortOpened was consumed)."""

    async def wait(client, cohort_id: str) -> None:
        async def known() -> bool:
            return (await client.get(f"/cohorts/{cohort_id}/sessions")).status_code == 200

        await wait_until(known)

    return wait


@pytest.fixture
def roster_of(wait_until):
    """Wait until a cohort's roster (enrolled members) has `size` members; returns their participant ids."""

    async def wait(client, cohort_id: str, size: int) -> list[str]:
        async def members() -> list[str]:
            found = (await client.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
            return [m["participant_id"] for m in found] if len(found) == size else []

        return await wait_until(members)

    return wait


@pytest.fixture
def replay_point(kafka_bootstrap):
    """Helpers to mark the topic's current end and start a consumer group there."""

    class ReplayPoint:
        async def mark(self) -> dict[TopicPartition, int]:
            return await end_offsets(kafka_bootstrap, ENROLLMENT_TOPIC)

        async def start_group_at(self, group_id: str, offsets: dict[TopicPartition, int]) -> None:
            await commit_group_offsets(kafka_bootstrap, group_id, offsets)

    return ReplayPoint()


@pytest.fixture
def generate(wait_until):
    """POST the schedule generation, retried while the cohort or programme is not yet known (404)."""

    async def post(client, cohort_id: str, **body: Any):
        async def attempt():
            response = await client.post(f"/cohorts/{cohort_id}/sessions/generated", json=body)
            return None if response.status_code == 404 else response

        return await wait_until(attempt)

    return post


@pytest.fixture
def since_ms() -> int:
    """Now, in Kafka timestamp terms: read only records written after the test began."""
    return int(datetime.now(UTC).timestamp() * 1000) - 1000
