"""Enrollment's API on the real stack: programmes, cohorts, applications, seats and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings


@pytest.fixture
async def enrollment(service):
    async with service(create_app, EnrollmentSettings) as client:
        yield client


async def make_programme(enrollment, **overrides) -> dict:
    body = {"code": "DST", "title": "Der skoen trykker", "network_id": "net-helse-nord",
            "requires_manager_approval": True} | overrides
    response = await enrollment.post("/programmes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def make_cohort(enrollment, programme_id: str, *, capacity: int = 2, opens_in_days: int = -1) -> dict:
    now = datetime.now(UTC)
    response = await enrollment.post("/cohorts", json={
        "programme_id": programme_id, "term": "autumn-2027", "capacity": capacity,
        "applications_open_at": (now + timedelta(days=opens_in_days)).isoformat(),
        "applications_close_at": (now + timedelta(days=opens_in_days + 30)).isoformat(),
    })
    assert response.status_code == 201, response.text
    return response.json()


def applicant(n: int, manager: str = "leder@example.no") -> dict:
    return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}@example.no"},
            "manager": {"name": "Leder", "email": manager}, "organisation_id": "org-unn", "unit_id": f"unit-{n}"}


async def apply(enrollment, cohort_id: str, n: int) -> dict:
    response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json=applicant(n))
    assert response.status_code == 201, response.text
    return response.json()


async def approve(enrollment, application: dict) -> dict:
    response = await enrollment.post(f"/applications/{application['id']}/approval",
                                     json={"decision": "approve", "manager_id": application["manager_id"]})
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_application_waits_for_the_managers_approval_before_taking_a_seat(enrollment):
    cohort = await make_cohort(enrollment, (await make_programme(enrollment))["id"])
    application = await apply(enrollment, cohort["id"], 1)
    assert application["status"] == "awaiting_manager_approval"
    assert (await enrollment.get(f"/cohorts/{cohort['id']}")).json()["seats_taken"] == 0

    approved = await approve(enrollment, application)
    assert approved["status"] == "enrolled"
    assert (await enrollment.get(f"/cohorts/{cohort['id']}")).json()["seats_taken"] == 1


async def test_only_the_named_manager_can_approve(enrollment):
    cohort = await make_cohort(enrollment, (await make_programme(enrollment))["id"])
    application = await apply(enrollment, cohort["id"], 1)
    response = await enrollment.post(f"/applications/{application['id']}/approval",
                                     json={"decision": "approve", "manager_id": "someone-else"})
    assert response.status_code == 409
    assert "manager named in the application" in response.json()["detail"]


async def test_a_declined_application_takes_no_seat_and_cannot_be_approved_later(enrollment):
    cohort = await make_cohort(enrollment, (await make_programme(enrollment))["id"])
    application = await apply(enrollment, cohort["id"], 1)
    declined = await enrollment.post(f"/applications/{application['id']}/approval", json={
        "decision": "decline", "manager_id": application["manager_id"], "reason": "staffing this spring"})
    assert declined.json()["status"] == "declined"
    again = await enrollment.post(f"/applications/{application['id']}/approval",
                                  json={"decision": "approve", "manager_id": application["manager_id"]})
    assert again.status_code == 409
    assert (await enrollment.get(f"/cohorts/{cohort['id']}")).json()["seats_taken"] == 0


async def test_a_full_cohort_waitlists_and_a_withdrawal_promotes_the_head_of_the_queue(enrollment):
    programme = await make_programme(enrollment, requires_manager_approval=False)
    cohort = await make_cohort(enrollment, programme["id"], capacity=1)
    first, second, third = [await apply(enrollment, cohort["id"], n) for n in (1, 2, 3)]
    assert (first["status"], second["status"], third["status"]) == ("enrolled", "waitlisted", "waitlisted")
    assert (second["waitlist_position"], third["waitlist_position"]) == (1, 2)
    shown = (await enrollment.get(f"/cohorts/{cohort['id']}")).json()
    assert (shown["status"], shown["seats_free"], shown["waitlist_length"]) == ("full", 0, 2)

    withdrawn = await enrollment.post(f"/applications/{first['id']}/withdrawal", json={"reason": "moved job"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert (await enrollment.get(f"/applications/{second['id']}")).json()["status"] == "enrolled"
    assert (await enrollment.get(f"/applications/{third['id']}")).json()["waitlist_position"] == 1


async def test_the_same_person_cannot_apply_twice_to_one_cohort(enrollment):
    cohort = await make_cohort(enrollment, (await make_programme(enrollment))["id"])
    await apply(enrollment, cohort["id"], 7)
    duplicate = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=applicant(7))
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"
    assert "already applied" in duplicate.json()["detail"]


async def test_applications_before_the_window_opens_are_refused_with_the_window(enrollment):
    cohort = await make_cohort(enrollment, (await make_programme(enrollment))["id"], opens_in_days=10)
    response = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=applicant(1))
    assert response.status_code == 422
    assert "applications are accepted from" in response.json()["detail"]


async def test_unknown_fields_and_wrong_types_get_a_422_problem(enrollment):
    response = await enrollment.post("/programmes", json={
        "code": "X", "title": "T", "network_id": "net-1", "capacity_typo": 3, "requires_manager_approval": "maybe"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid request"
    locations = {e["location"] for e in problem["errors"]}
    assert {"body.capacity_typo", "body.requires_manager_approval"} <= locations


async def test_unknown_ids_get_a_404_problem(enrollment):
    for path in ("/programmes/nope", "/cohorts/nope", "/applications/nope"):
        response = await enrollment.get(path)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Not found"
    response = await enrollment.post("/cohorts/nope/applications", json=applicant(1))
    assert response.status_code == 404
