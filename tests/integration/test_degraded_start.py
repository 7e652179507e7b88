"""A service whose Kafka or database is down at start stays up, says why it is not ready,
keeps what it accepted, and recovers by itself when the dependency comes back."""

from __future__ import annotations

import asyncio
import time

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.integration.journeys import open_cohort


async def ready_reasons(client) -> list[str]:
    response = await client.get("/health/ready")
    return [] if response.status_code == 200 else response.json()["reasons"]


async def test_enrollment_accepts_applications_while_kafka_is_down_and_publishes_them_when_it_returns(
        service, tcp_proxy, wait_until, topic_records):
    kafka = tcp_proxy("kafka")  # not started: Kafka "is down"
    since_ms = int(time.time() * 1000)
    async with service(create_enrollment, EnrollmentSettings, ready=False,
                       kafka_bootstrap_servers=f"127.0.0.1:{kafka.port}") as enrollment:
        assert (await enrollment.get("/health/live")).status_code == 200
        reasons = await wait_until(lambda: ready_reasons(enrollment))
        assert any(reason.startswith("kafka") for reason in reasons)

        cohort_id = await open_cohort(enrollment, capacity=5)
        applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
            "participant": {"name": "Sofie Berg", "email": "sofie.berg@example.no"},
            "manager": {"name": "Leder", "email": "leder@example.no"},
            "organisation_id": "org-1", "unit_id": "unit-1"})
        assert applied.status_code == 201
        assert applied.json()["status"] == "enrolled"

        await kafka.start()  # Kafka "comes back"

        async def ready() -> bool:
            return await ready_reasons(enrollment) == []

        await wait_until(ready, timeout=60)

        async def all_published() -> list[str]:
            records = await topic_records("samla.enrollment.v1", key=cohort_id, since_ms=since_ms)
            types = [dict(r.headers)["ce_type"].decode() for r in records]
            return types if len(types) >= 4 else []

        types = await wait_until(all_published, timeout=60)
        assert sorted(types) == sorted(["CohortOpened", "ApplicationSubmitted", "ApplicationApproved",
                                        "ParticipantEnrolled"])


async def test_a_service_started_without_its_database_answers_503_and_recovers_by_itself(
        service, tcp_proxy, wait_until):
    mongo = tcp_proxy("mongo")
    async with service(create_sessions, SessionsSettings, ready=False,
                       mongo_url=f"mongodb://127.0.0.1:{mongo.port}/?directConnection=true") as sessions:
        assert (await sessions.get("/health/live")).status_code == 200
        reasons = await wait_until(lambda: ready_reasons(sessions))
        assert any(reason.startswith("database") for reason in reasons)

        # A hang guard, not a timing: the request must end with an answer rather than wait forever.
        response = await asyncio.wait_for(sessions.get("/cohorts/some-cohort/roster"), timeout=60)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"

        await mongo.start()

        async def ready() -> bool:
            return await ready_reasons(sessions) == []

        await wait_until(ready, timeout=60)
        assert (await sessions.get("/cohorts/some-cohort/roster")).status_code == 200
