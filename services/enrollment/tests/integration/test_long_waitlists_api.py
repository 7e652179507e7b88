"""A long waitlist: kept in slices that do not grow with it, listed page by page in order, across restarts.

The queue is stored as a log of arrivals in slices of a few places each (here three, so a
dozen applicants spread over several), while the cohort document keeps only where the
queue stands. A coordinator still sees one queue in order, positions contiguous, whatever
page they ask for, after withdrawals at the head and behind it, and after a restart; and
a cohort stored before the queue was sliced is read as it was and carried over.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from samla_enrollment.adapters.repository import EnrollmentStore
from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

SLICE = 3


@pytest.fixture
async def database(mongo_url, monkeypatch):
    """A database two service processes use one after the other, and a client to look into it."""
    monkeypatch.setattr(EnrollmentStore, "waitlist_page", SLICE)
    name = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    client = AsyncMongoClient(mongo_url)
    try:
        yield name, mongo_url + "&appName=enrollment-long-waitlist", client[name]
    finally:
        await client.drop_database(name)
        await client.close()


def form(tag: str, n: int) -> dict[str, Any]:
    return {"participant": {"name": f"Deltaker {n}", "email": f"d{n}.{tag}@example.no"},
            "manager": {"name": "Leder", "email": f"leder.{tag}@example.no"},
            "organisation_id": "org-unn", "unit_id": f"unit-{n}"}


async def open_cohort(client: httpx.AsyncClient, capacity: int) -> str:
    programme = (await client.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-helse-nord",
        "requires_manager_approval": False})).json()
    cohort = await client.post("/cohorts", json={
        "programme_id": programme["id"], "term": "autumn-2027", "capacity": capacity,
        "applications_open_at": "2020-01-01T00:00:00", "applications_close_at": "2099-01-01T00:00:00"})
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]


async def queue(client: httpx.AsyncClient, cohort_id: str, *, page: int) -> list[tuple[str, int]]:
    """The whole waitlist as a coordinator pages through it: (application id, position) in order."""
    found: list[tuple[str, int]] = []
    while True:
        response = await client.get(f"/cohorts/{cohort_id}/applications",
                                    params={"status": "waitlisted", "offset": len(found), "limit": page})
        assert response.status_code == 200, response.text
        if not response.json():
            return found
        found.extend((a["id"], a["waitlist_position"]) for a in response.json())


async def test_a_queue_over_many_slices_stays_in_order_through_withdrawals_and_a_restart(service, database):
    name, url, db = database
    tag = name[-10:]
    async with service(create_app, EnrollmentSettings, mongo_database=name, mongo_url=url) as before:
        cohort_id = await open_cohort(before, capacity=1)
        answers = []
        for n in range(12):  # one at a time, so the order of arrival is known
            response = await before.post(f"/cohorts/{cohort_id}/applications", json=form(tag, n))
            assert response.status_code == 201, response.text
            answers.append(response.json())
        seated, waiting = answers[0], [a["id"] for a in answers[1:]]
        assert [a["waitlist_position"] for a in answers[1:]] == list(range(1, 12))
        for page in (1, 4, 50):
            assert await queue(before, cohort_id, page=page) == [(a, i) for i, a in enumerate(waiting, start=1)]

        # One leaves from behind the head, the seated one leaves and the head of the queue takes the seat.
        assert (await before.post(f"/applications/{waiting[4]}/withdrawal", json={})).status_code == 200
        assert (await before.post(f"/applications/{seated['id']}/withdrawal", json={})).status_code == 200
        assert (await before.get(f"/applications/{waiting[0]}")).json()["status"] == "enrolled"
        expected = [a for a in waiting[1:] if a != waiting[4]]
        assert await queue(before, cohort_id, page=4) == [(a, i) for i, a in enumerate(expected, start=1)]
        for application_id, position in ((expected[0], 1), (expected[4], 5), (expected[-1], len(expected))):
            shown = (await before.get(f"/applications/{application_id}")).json()
            assert (shown["status"], shown["waitlist_position"]) == ("waitlisted", position)
        assert (await before.get(f"/applications/{waiting[4]}")).json()["status"] == "withdrawn"

    # The cohort document holds no list of those waiting; each slice of the queue holds a few places.
    cohort = await db.cohorts.find_one({"_id": cohort_id})
    assert "waitlist" not in cohort and cohort["waitlist_length"] == len(expected)
    slices = [s async for s in db.waitlist_pages.find({})]
    assert len(slices) == 4 and all(len(s["ids"]) <= SLICE for s in slices)

    async with service(create_app, EnrollmentSettings, mongo_database=name, mongo_url=url) as after:
        assert await queue(after, cohort_id, page=4) == [(a, i) for i, a in enumerate(expected, start=1)]
        late = (await after.post(f"/cohorts/{cohort_id}/applications", json=form(tag, 12))).json()
        assert late["waitlist_position"] == len(expected) + 1
        assert (await queue(after, cohort_id, page=50))[-1] == (late["id"], len(expected) + 1)
        shown = (await after.get(f"/applications/{expected[3]}")).json()
        assert (shown["status"], shown["waitlist_position"]) == ("waitlisted", 4)


async def test_a_cohort_stored_with_its_whole_queue_is_read_as_it_was_and_carried_over(service, database):
    name, url, db = database
    tag = name[-10:]
    async with service(create_app, EnrollmentSettings, mongo_database=name, mongo_url=url) as before:
        cohort_id = await open_cohort(before, capacity=1)
        answers = await asyncio.gather(*(before.post(f"/cohorts/{cohort_id}/applications", json=form(tag, n))
                                         for n in range(5)))
        assert all(a.status_code == 201 for a in answers)
        listed = await queue(before, cohort_id, page=50)
    # As a cohort was stored before its queue was sliced: the waiting in a list on the cohort document.
    await db.cohorts.update_one({"_id": cohort_id}, {
        "$set": {"waitlist": [a for a, _ in listed]},
        "$unset": {"waitlist_head": "", "waitlist_left": "", "waitlist_log_length": ""}})
    await db.waitlist_pages.delete_many({})

    async with service(create_app, EnrollmentSettings, mongo_database=name, mongo_url=url) as after:
        assert await queue(after, cohort_id, page=2) == listed
        assert (await after.get(f"/applications/{listed[1][0]}")).json()["waitlist_position"] == 2
        late = (await after.post(f"/cohorts/{cohort_id}/applications", json=form(tag, 5))).json()
        assert late["waitlist_position"] == len(listed) + 1
        assert await queue(after, cohort_id, page=2) == [*listed, (late["id"], len(listed) + 1)]
    cohort = await db.cohorts.find_one({"_id": cohort_id})
    assert "waitlist" not in cohort and cohort["waitlist_log_length"] == len(listed) + 1
