"""When the database fails between an application's write and its cohort's write, nothing is lost or doubled.

The cohort write is made to fail (as when FerretDB goes away mid-request); the service
then reconciles the cohort with its applications — at once in the background, or when
a new process takes the cohort up — and publishes each missing event exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from samla_enrollment.adapters.repository import EnrollmentStore
from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings


def failing_cohort_writes(monkeypatch, times: int | None = None) -> list[int]:
    """Make the next `times` cohort writes (all, when None) fail as if the database went away."""
    save = EnrollmentStore.save_cohort
    failures: list[int] = []

    async def save_or_fail(self, cohort_id, **changes):
        if times is None or len(failures) < times:
            failures.append(1)
            raise AutoReconnect("connection to the database was lost")
        return await save(self, cohort_id, **changes)

    monkeypatch.setattr(EnrollmentStore, "save_cohort", save_or_fail)
    return failures


async def test_an_application_whose_cohort_write_failed_is_placed_and_announced_once_soon_after(
        desk, enrollment, published, wait_until, monkeypatch):
    cohort = await desk.cohort(capacity=3)
    failures = failing_cohort_writes(monkeypatch, times=1)
    response = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1))
    assert response.status_code == 503 and failures == [1]

    async def placed() -> list[dict]:
        found = (await enrollment.get(f"/cohorts/{cohort['id']}/applications", params={"status": "enrolled"})).json()
        return found

    [application] = await wait_until(placed)
    retry = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1))
    assert retry.status_code == 409 and retry.json()["application_id"] == application["id"]
    shown = await desk.shown("applications", application["id"])
    assert shown["history"][-1]["reason"].startswith("placed again")

    records = await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationApproved",
                                       "ParticipantEnrolled")
    assert Counter(kind for kind, _ in records) == {"CohortOpened": 1, "ApplicationSubmitted": 1,
                                                    "ApplicationApproved": 1, "ParticipantEnrolled": 1}


async def test_a_batch_prepared_on_top_of_a_failed_one_fails_with_it_and_nothing_is_published_twice(
        desk, enrollment, published, wait_until, monkeypatch):
    cohort = await desk.cohort(capacity=1)
    save, add = EnrollmentStore.save_cohort, EnrollmentStore.add_applications
    second_prepared = asyncio.Event()
    failing: list[str] = ["once the next batch is prepared"]

    async def add_and_tell(self, applications):
        refused = await add(self, applications)
        add_and_tell.calls += 1
        if add_and_tell.calls == 2:
            second_prepared.set()
        return refused

    add_and_tell.calls = 0

    async def save_or_fail(self, cohort_id, **changes):
        if failing and any(e.event_type() == "ApplicationSubmitted" for e in changes["events"]):
            if failing.pop(0) == "once the next batch is prepared":
                await asyncio.wait_for(second_prepared.wait(), timeout=20)
            raise AutoReconnect("connection to the database was lost")
        return await save(self, cohort_id, **changes)

    monkeypatch.setattr(EnrollmentStore, "add_applications", add_and_tell)
    monkeypatch.setattr(EnrollmentStore, "save_cohort", save_or_fail)
    first = asyncio.create_task(enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1)))
    while add_and_tell.calls == 0:  # the first batch is prepared and its cohort write is waiting
        await asyncio.sleep(0.01)
    second = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(2))
    assert ((await first).status_code, second.status_code) == (503, 503)

    async def placed() -> list[dict]:
        found = (await enrollment.get(f"/cohorts/{cohort['id']}/applications")).json()
        return found if all(a["status"] in ("enrolled", "waitlisted") for a in found) and len(found) == 2 else []

    applications = await wait_until(placed)
    assert [a["status"] for a in applications] == ["enrolled", "waitlisted"], "in the order they were submitted"
    # A later failure makes the cohort be taken up and reconciled again: nothing may be published twice.
    failing.append("now")
    assert (await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(3))).status_code == 503

    async def all_three_placed() -> bool:
        found = (await enrollment.get(f"/cohorts/{cohort['id']}/applications", params={"status": "waitlisted"})).json()
        return len(found) == 2

    await wait_until(all_three_placed)
    records = await published.wait_for(cohort["id"], *["ApplicationSubmitted"] * 3, *["ApplicationApproved"] * 3,
                                       "ParticipantEnrolled", "ParticipantWaitlisted", "ParticipantWaitlisted")
    assert Counter(kind for kind, _ in records) == {"CohortOpened": 1, "ApplicationSubmitted": 3,
                                                    "ApplicationApproved": 3, "ParticipantEnrolled": 1,
                                                    "ParticipantWaitlisted": 2}
    positions = [data["position"] for data in published.of_type(records, "ParticipantWaitlisted")]
    assert positions == [1, 2]


@pytest.fixture
async def shared_database(mongo_url):
    """A database two service processes use one after the other (the fixture would drop it after the first)."""
    name = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    yield name, mongo_url + "&appName=enrollment-restart"
    client = AsyncMongoClient(mongo_url)
    try:
        await client.drop_database(name)
    finally:
        await client.close()


async def test_a_restarted_service_finishes_what_a_failed_process_left_half_done(
        service, shared_database, published, monkeypatch):
    database, url = shared_database
    async with service(create_app, EnrollmentSettings, mongo_database=database, mongo_url=url) as before:
        programme = (await before.post("/programmes", json={
            "code": "DST", "title": "Der skoen trykker", "network_id": "net-helse-nord",
            "requires_manager_approval": False})).json()
        cohort = (await before.post("/cohorts", json={
            "programme_id": programme["id"], "term": "spring-2027", "capacity": 1,
            "applications_open_at": "2020-01-01T00:00:00", "applications_close_at": "2099-01-01T00:00:00"})).json()

        def form(n: int) -> dict:
            return {"participant": {"name": f"P {n}", "email": f"p{n}.{database}@example.no"},
                    "manager": {"name": "M", "email": f"m.{database}@example.no"},
                    "organisation_id": "org-nlsh", "unit_id": f"unit-{n}"}

        seated = (await before.post(f"/cohorts/{cohort['id']}/applications", json=form(1))).json()
        waiting = (await before.post(f"/cohorts/{cohort['id']}/applications", json=form(2))).json()
        failing_cohort_writes(monkeypatch)
        assert (await before.post(f"/applications/{seated['id']}/withdrawal", json={})).status_code == 503
        assert (await before.post(f"/cohorts/{cohort['id']}/applications", json=form(3))).status_code == 503
    monkeypatch.undo()

    async with service(create_app, EnrollmentSettings, mongo_database=database, mongo_url=url) as after:
        shown = (await after.get(f"/cohorts/{cohort['id']}")).json()
        assert (shown["seats_taken"], shown["waitlist_length"]) == (1, 1)
        assert (await after.get(f"/applications/{seated['id']}")).json()["status"] == "withdrawn"
        assert (await after.get(f"/applications/{waiting['id']}")).json()["status"] == "enrolled"
        [late] = (await after.get(f"/cohorts/{cohort['id']}/applications", params={"status": "waitlisted"})).json()
        assert late["waitlist_position"] == 1

        records = await published.wait_for(cohort["id"], "ParticipantWithdrawn", "ParticipantWaitlisted",
                                           "ParticipantWaitlisted")
        seat_events = [(kind, data["application_id"]) for kind, data in records if kind.startswith("Participant")]
        assert seat_events == [("ParticipantEnrolled", seated["id"]), ("ParticipantWaitlisted", waiting["id"]),
                               ("ParticipantWithdrawn", seated["id"]), ("ParticipantEnrolled", waiting["id"]),
                               ("ParticipantWaitlisted", late["id"])]
        assert Counter(kind for kind, _ in records)["ApplicationSubmitted"] == 3
