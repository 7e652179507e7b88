"""Retention on the real stack: applications of a cohort completed longer ago than the retention
period lose their personal data; those of a cohort still running keep it; running the job again
changes nothing. Driven through `samla-ops retention run`, and by the service's own periodic task."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from samla_ops import cli
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings

# The shared stack, as the root conftest finds it (importing conftest would start a second token issuer).
KAFKA = os.environ.get("SAMLA_TEST_KAFKA", "127.0.0.1:9092")
MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")

MOTIVATION = "Jeg vil lære å lede refleksjon i min egen avdeling."


@pytest.fixture
def enrollment_served(served: Callable[..., Any]) -> Callable[..., Any]:
    """enrollment_served(**settings): enrollment over real HTTP (the CLI calls it), in a database of its own."""

    @asynccontextmanager
    async def serve(**settings: object) -> AsyncIterator[str]:
        database = f"test_enrollment_{uuid.uuid4().hex[:10]}"
        app = create_enrollment(EnrollmentSettings(environment="test", kafka_bootstrap_servers=KAFKA, mongo_url=MONGO,
                                                   mongo_database=database, run_consumers=False, **settings))
        try:
            async with served(app, lifespan=True) as url:
                yield url
        finally:
            mongo = AsyncMongoClient(MONGO)
            await mongo.drop_database(database)
            await mongo.close()

    return serve


async def cohort_with_application(enrollment: httpx.AsyncClient, n: int) -> tuple[str, str]:
    programme = (await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-retention",
        "requires_manager_approval": False})).json()
    now = datetime.now(UTC)
    cohort = (await enrollment.post("/cohorts", json={
        "programme_id": programme["id"], "term": f"spring-{2027 + n}", "capacity": 5,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()
    applied = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json={
        "participant": {"name": f"Deltaker {n}", "email": f"deltaker.{n}.{uuid.uuid4().hex[:6]}@example.no",
                        "role": "helsefagarbeider", "education": "fagbrev", "experience": "tre år"},
        "manager": {"name": "Leder", "email": f"leder.{uuid.uuid4().hex[:6]}@example.no"},
        "organisation_id": "org-1", "unit_id": "unit-1", "motivation": MOTIVATION})
    assert applied.status_code == 201, applied.text
    return cohort["id"], applied.json()["id"]


async def complete(enrollment: httpx.AsyncClient, cohort_id: str) -> None:
    for status in ("running", "completed"):
        changed = await enrollment.post(f"/cohorts/{cohort_id}/status", json={"status": status, "by": "coordinator"})
        assert changed.status_code == 200, changed.text


async def personal_data(enrollment: httpx.AsyncClient, application_id: str) -> dict[str, object]:
    application = await enrollment.get(f"/applications/{application_id}")
    assert application.status_code == 200, application.text
    body = application.json()
    return {k: body.get(k) for k in ("role", "education", "experience", "motivation")}


async def retention_run(capsys, enrollment_url: str) -> tuple[int, dict]:
    def run() -> int:
        try:
            cli.main(["--json", "retention", "run", "--enrollment", enrollment_url])
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else 1
        return 0

    code = await asyncio.to_thread(run)
    return code, json.loads(capsys.readouterr().out)


async def test_samla_ops_retention_anonymises_expired_applications_once(capsys, wait_until, admin_headers,
                                                                    enrollment_served):
    # A period of seconds stands in for 24 months; the periodic task is off, so only the CLI acts.
    async with enrollment_served(application_retention=timedelta(seconds=8), run_retention=False) as url, \
            httpx.AsyncClient(base_url=url, headers=admin_headers) as enrollment:
        expired_cohort, expired = await cohort_with_application(enrollment, 1)
        running_cohort, kept = await cohort_with_application(enrollment, 2)
        await complete(enrollment, expired_cohort)
        changed = await enrollment.post(f"/cohorts/{running_cohort}/status",
                                        json={"status": "running", "by": "coordinator"})
        assert changed.status_code == 200

        before = await retention_run(capsys, url)  # completed moments ago: not yet past the period
        assert before == (0, {"cohorts": 0, "applications": 0})

        async def past_the_period():
            code, result = await retention_run(capsys, url)
            return result if code == 0 and result["cohorts"] == 1 else None

        first = await wait_until(past_the_period)
        assert first == {"cohorts": 1, "applications": 1}
        assert await personal_data(enrollment, expired) == dict.fromkeys(
            ("role", "education", "experience", "motivation"))
        assert (await personal_data(enrollment, kept))["motivation"] == MOTIVATION
        application = (await enrollment.get(f"/applications/{expired}")).json()
        assert application["status"] == "enrolled"  # ids, status and history stay for the statistics
        assert all(entry["reason"] is None for entry in application["history"])

        again = await retention_run(capsys, url)
        assert again == (0, {"cohorts": 1, "applications": 0})
        assert await personal_data(enrollment, expired) == dict.fromkeys(
            ("role", "education", "experience", "motivation"))


async def test_the_service_runs_retention_by_itself(wait_until, admin_headers, enrollment_served):
    async with enrollment_served(application_retention=timedelta(seconds=1), retention_interval_seconds=0.5) as url, \
            httpx.AsyncClient(base_url=url, headers=admin_headers) as enrollment:
        cohort_id, application_id = await cohort_with_application(enrollment, 3)
        await complete(enrollment, cohort_id)

        async def anonymised():
            return (await personal_data(enrollment, application_id))["motivation"] is None

        await wait_until(anonymised)



async def test_samla_ops_retention_also_runs_the_notifications_round(capsys, enrollment_served, served):
    from samla_notifications.entrypoints.app import create_app as create_notifications
    from samla_notifications.settings import NotificationsSettings

    database = f"test_notifications_{uuid.uuid4().hex[:10]}"
    notifications = create_notifications(NotificationsSettings(
        environment="test", kafka_bootstrap_servers=KAFKA, mongo_url=MONGO, mongo_database=database,
        run_consumers=False, run_schedulers=False))
    try:
        async with enrollment_served(run_retention=False) as enrollment_url, \
                served(notifications, lifespan=True) as notifications_url:
            def run() -> int:
                try:
                    cli.main(["--json", "retention", "run", "--enrollment", enrollment_url,
                              "--notifications", notifications_url])
                except SystemExit as exit_:
                    return exit_.code if isinstance(exit_.code, int) else 1
                return 0

            assert await asyncio.to_thread(run) == 0
            result = json.loads(capsys.readouterr().out)
    finally:
        mongo = AsyncMongoClient(MONGO)
        await mongo.drop_database(database)
        await mongo.close()
    assert result["applications"] == 0
    assert result["notifications"] == {"mail_records": 0, "webhook_bodies": 0, "webhook_deliveries": 0}
