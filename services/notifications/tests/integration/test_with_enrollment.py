"""The whole path: an application at the real enrollment API becomes mail from notifications.

Enrollment runs in this process, served over HTTP on a loopback port, so notifications asks
it for contact details exactly as in a deployment.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings


@pytest.fixture
async def enrollment_url(served, kafka_bootstrap, mongo_url):
    database = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    app = create_enrollment(EnrollmentSettings(environment="test", kafka_bootstrap_servers=kafka_bootstrap,
                                               mongo_url=mongo_url, mongo_database=database, run_consumers=False))
    try:
        async with LifespanManager(app, startup_timeout=60), served(app) as url:
            yield url
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(database)
        await mongo.close()


async def test_an_application_at_enrollment_reaches_the_applicant_and_the_manager_by_mail(
        start_notifications, enrollment_url, mailbox, wait_until, admin_headers):
    # Notifications reads the contacts with short-lived client-credentials tokens (role contact_reader).
    async with start_notifications(enrollment_url=enrollment_url) as notifications, \
            httpx.AsyncClient(base_url=enrollment_url, headers=admin_headers) as enrollment:
        programme = (await enrollment.post("/programmes", json={
            "code": "DST", "title": "Der skoen trykker", "network_id": "net-helse-nord",
            "requires_manager_approval": True})).json()
        now = datetime.now(UTC)
        cohort = (await enrollment.post("/cohorts", json={
            "programme_id": programme["id"], "term": "høst-2027", "capacity": 10,
            "applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()
        applied = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json={
            "participant": {"name": "Ingrid Nilsen", "email": "ingrid.nilsen@example.no"},
            "manager": {"name": "Per Hansen", "email": "per.hansen@example.no"},
            "organisation_id": "org-unn", "unit_id": "unit-3"})
        assert applied.status_code == 201, applied.text

        async def mails():
            return mailbox.to("per.hansen@example.no") and mailbox.to("ingrid.nilsen@example.no")

        await wait_until(mails)
        [to_manager], [to_applicant] = mailbox.to("per.hansen@example.no"), mailbox.to("ingrid.nilsen@example.no")
        assert to_manager["Subject"].startswith("Godkjenning trengs: Ingrid Nilsen har søkt")
        assert to_manager["To"] == "Per Hansen <per.hansen@example.no>"
        assert to_applicant["Subject"].startswith("Vi har mottatt søknaden din til")
        log = (await notifications.get("/notifications",
                                       params={"recipient_id": applied.json()["participant_id"]})).json()
        assert [(e["kind"], e["status"], e["email"]) for e in log] == [
            ("application_received", "sent", "ingrid.nilsen@example.no")]
