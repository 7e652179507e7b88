"""The notifications API on the real stack: preferences, refusals as problem details, the delivery log."""

from __future__ import annotations

import pytest


@pytest.fixture
async def notifications(start_notifications):
    async with start_notifications(settle=False) as client:
        yield client


async def test_preferences_are_stored_and_read_back(notifications):
    assert (await notifications.get("/preferences/kari")).json() == {
        "person_id": "kari", "language": None, "opted_out": [], "email": None, "updated_at": None,
        "mandatory_categories": ["service"]}
    response = await notifications.put("/preferences/kari", json={
        "language": "da", "opted_out": ["reminders", "new_cohorts"], "email": "kari@jobb.example.no"})
    assert response.status_code == 200, response.text
    stored = (await notifications.get("/preferences/kari")).json()
    assert (stored["language"], stored["opted_out"], stored["email"]) == (
        "da", ["new_cohorts", "reminders"], "kari@jobb.example.no")


@pytest.mark.parametrize("body, location", [
    ({"email": "not-an-address"}, "body.email"),
    ({"email": "kari@"}, "body.email"),
    ({"language": "sv"}, "body.language"),
    ({"language": "nb_NO"}, "body.language"),
    ({"opted_out": ["gossip"]}, "body.opted_out.0"),
    ({"langauge": "nb"}, "body.langauge"),
])
async def test_an_invalid_address_or_an_unknown_language_in_a_preference_gets_a_422(notifications, body, location):
    response = await notifications.put("/preferences/kari", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert location in {error["location"] for error in response.json()["errors"]}
    assert (await notifications.get("/preferences/kari")).json()["updated_at"] is None, "nothing was stored"


async def test_mandatory_service_messages_cannot_be_turned_off(notifications):
    response = await notifications.put("/preferences/kari", json={"opted_out": ["service", "reminders"]})
    assert response.status_code == 422
    assert "mandatory service messages cannot be turned off: service" in response.json()["detail"]


async def test_unknown_ids_get_a_404_problem(notifications):
    for path in ("/notifications/nope", "/subscriptions/nope", "/subscriptions/nope/deliveries"):
        response = await notifications.get(path)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Not found"


async def test_the_delivery_log_refuses_an_unknown_status_filter(notifications):
    response = await notifications.get("/notifications", params={"status": "lost"})
    assert response.status_code == 422
