"""Seat offers and transfers on the real stack: a freed seat is offered to the head of the waitlist with a deadline,
accepted, declined or left to expire (across a restart), nobody is moved in once the cohort started, and a
participant is moved to another cohort or deferred to the next one, approvals kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pymongo import AsyncMongoClient

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings


def participant(caller, client, application):
    """The applicant, signed in as themself."""
    return caller(client, f"idp-{application['participant_id']}", roles=["participant"],
                  person_id=application["participant_id"])


def coordinator(desk, caller, client):
    return caller(client, desk.coordinator, roles=["network_coordinator"], networks=[desk.network])


async def answer(caller, client, application, choice: str, reason: str | None = None):
    return await participant(caller, client, application).post(
        f"/applications/{application['id']}/offer", json={"answer": choice, "reason": reason})


async def test_a_freed_seat_is_offered_in_queue_order_declined_then_accepted_and_every_step_is_published(
        desk, enrollment, caller, published):
    programme = await desk.programme(requires_manager_approval=False, offer_days=3)
    assert programme["offer_days"] == 3
    cohort = await desk.cohort(programme["id"], capacity=1)
    seated, first, second, third = [await desk.apply(cohort["id"], n) for n in range(1, 5)]
    assert [first["waitlist_position"], second["waitlist_position"], third["waitlist_position"]] == [1, 2, 3]

    before = datetime.now(UTC)
    assert (await desk.withdraw(seated, "moved to another hospital")).json()["status"] == "withdrawn"
    offered = await desk.shown("applications", first["id"])
    assert offered["status"] == "offered" and offered["waitlist_position"] is None
    deadline = datetime.fromisoformat(offered["offer_expires_at"])
    assert before + timedelta(days=3) <= deadline <= datetime.now(UTC) + timedelta(days=3)
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_on_offer"], shown["seats_free"], shown["waitlist_length"]) == (0, 1, 0, 2)
    # The seat is held for the one offered: a newcomer queues behind the others.
    late = await desk.apply(cohort["id"], 5)
    assert (late["status"], late["waitlist_position"]) == ("waitlisted", 3)
    queue = (await enrollment.get(f"/cohorts/{cohort['id']}/applications", params={"status": "offered"})).json()
    assert [a["id"] for a in queue] == [first["id"]]

    # Only the one offered answers: the next in the queue has nothing to accept, a stranger sees nothing.
    refused = await answer(caller, enrollment, second, "accept")
    assert refused.status_code == 409 and "no seat is on offer" in refused.json()["detail"]
    stranger = caller(enrollment, "idp-stranger", roles=["participant"], person_id=f"stranger-{desk.tag}")
    assert (await stranger.post(f"/applications/{first['id']}/offer", json={"answer": "accept"})).status_code == 404
    assert (await answer(caller, enrollment, first, "maybe")).status_code == 422

    declined = await answer(caller, enrollment, first, "decline", "found a course closer to home")
    assert declined.status_code == 200 and declined.json()["status"] == "withdrawn"
    assert (await desk.shown("applications", second["id"]))["status"] == "offered"
    accepted = await answer(caller, enrollment, second, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "enrolled" and accepted.json()["offer_expires_at"] is None
    again = await answer(caller, enrollment, second, "accept")
    assert again.status_code == 409 and "enrolled" in again.json()["detail"]
    assert (await desk.shown("applications", third["id"]))["waitlist_position"] == 1
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_on_offer"], shown["seats_free"]) == (1, 0, 0)

    # Audited as the signed-in person, from the token.
    history = (await desk.shown("applications", second["id"]))["history"]
    assert [(h["by"], h["from"], h["to"]) for h in history[-2:]] == [
        ("waitlist-offer", "waitlisted", "offered"), (second["participant_id"], "offered", "enrolled")]
    history = (await desk.shown("applications", first["id"]))["history"]
    assert (history[-1]["by"], history[-1]["to"], history[-1]["reason"]) == (
        first["participant_id"], "withdrawn", "found a course closer to home")

    records = await published.wait_for(cohort["id"], "SeatOffered", "SeatOffered", "SeatOfferDeclined",
                                       "SeatOfferAccepted")
    steps = [(kind, data["application_id"]) for kind, data in records
             if kind.startswith("Seat") or kind in ("ParticipantEnrolled", "ParticipantWithdrawn")]
    assert steps[-7:] == [
        ("ParticipantWithdrawn", seated["id"]), ("SeatOffered", first["id"]),
        ("SeatOfferDeclined", first["id"]), ("ParticipantWithdrawn", first["id"]), ("SeatOffered", second["id"]),
        ("SeatOfferAccepted", second["id"]), ("ParticipantEnrolled", second["id"])]
    [offer, _] = published.of_type(records, "SeatOffered")
    assert datetime.fromisoformat(offer["expires_at"]) == deadline and offer.get("offered_by") is None
    [withdrawn] = [d for d in published.of_type(records, "ParticipantWithdrawn") if d["application_id"] == first["id"]]
    assert withdrawn["previous_status"] == "waitlisted"
    [enrolled] = [d for d in published.of_type(records, "ParticipantEnrolled") if d["application_id"] == second["id"]]
    assert enrolled["via"] == "waitlist"
    [taken] = published.of_type(records, "SeatOfferAccepted")
    assert taken["answered_by"] == second["participant_id"]


@pytest.fixture
async def shared_database(mongo_url):
    """A database two service processes use one after the other (the fixture would drop it after the first)."""
    name = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    yield name, mongo_url + "&appName=enrollment-offers"
    client = AsyncMongoClient(mongo_url)
    try:
        await client.drop_database(name)
    finally:
        await client.close()


async def test_an_offer_nobody_answers_expires_after_a_restart_and_the_seat_moves_on_in_order(
        service, shared_database, desk, published, wait_until):
    database, url = shared_database
    # The first process watches no deadlines at all: only what it stored can tell the second one.
    async with service(create_app, EnrollmentSettings, mongo_database=database, mongo_url=url,
                       run_offer_watch=False) as before:
        desk.client = before
        # A few seconds (0.00005 days), so that the test sees the deadlines pass.
        programme = await desk.programme(requires_manager_approval=False, offer_days=0.00005)
        cohort = await desk.cohort(programme["id"], capacity=1)
        seated, first, second = [await desk.apply(cohort["id"], n) for n in range(1, 4)]
        await desk.withdraw(seated)
        offered = await desk.shown("applications", first["id"])
        assert offered["status"] == "offered"
        deadline = datetime.fromisoformat(offered["offer_expires_at"])

    async with service(create_app, EnrollmentSettings, mongo_database=database, mongo_url=url,
                       offer_watch_interval_seconds=0.2) as after:
        desk.client = after

        async def both_expired() -> bool:
            statuses = [(await desk.shown("applications", a["id"]))["status"] for a in (first, second)]
            return statuses == ["withdrawn", "withdrawn"]

        await wait_until(both_expired)
        history = (await desk.shown("applications", first["id"]))["history"]
        assert history[-1]["by"] == "offer-expiry" and history[-1]["from"] == "offered"
        assert datetime.now(UTC) >= deadline
        shown = await desk.shown("cohorts", cohort["id"])
        assert (shown["seats_taken"], shown["seats_on_offer"], shown["seats_free"], shown["waitlist_length"]) == (
            0, 0, 1, 0)
        # Too late is too late: the one whose offer expired cannot take the seat any more.
        response = await after.post(f"/applications/{first['id']}/offer", json={"answer": "accept"})
        assert response.status_code == 409

    records = await published.wait_for(cohort["id"], "SeatOffered", "SeatOffered", "SeatOfferExpired",
                                       "SeatOfferExpired")
    # Delivery is at least once: what the first process published just before it stopped may come again
    # (the same event, with the same cohort_sequence), so each step is counted once.
    steps = [(kind, application_id) for kind, application_id, _ in dict.fromkeys(
        (kind, data["application_id"], data["cohort_sequence"]) for kind, data in records if kind.startswith("SeatOffer"))]
    assert steps == [("SeatOffered", first["id"]), ("SeatOfferExpired", first["id"]),
                     ("SeatOffered", second["id"]), ("SeatOfferExpired", second["id"])]
    [expired, _] = published.of_type(records, "SeatOfferExpired")
    assert datetime.fromisoformat(expired["expired_at"]) == deadline


async def test_after_the_start_a_withdrawal_promotes_nobody_and_the_coordinator_decides_per_seat(
        desk, enrollment, caller, published):
    programme = await desk.programme(requires_manager_approval=False)  # no offers: before the start, at once
    cohort = await desk.cohort(programme["id"], capacity=1)
    seated, first, second = [await desk.apply(cohort["id"], n) for n in range(1, 4)]
    kari = coordinator(desk, caller, enrollment)
    assert (await kari.post(f"/cohorts/{cohort['id']}/status", json={"status": "running"})).status_code == 200

    await desk.withdraw(seated, "long-term sick leave")
    assert (await desk.shown("applications", first["id"]))["waitlist_position"] == 1
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_free"], shown["waitlist_length"]) == (0, 1, 2)
    held = (await enrollment.get(f"/cohorts/{cohort['id']}/history")).json()[-1]
    assert held["change"] == "seat" and held["to"] == "held"

    # The coordinator offers the seat; it goes to the head of the queue, recorded as the coordinator.
    made = await kari.post(f"/cohorts/{cohort['id']}/seat-offers", json={"reason": "the kickoff can be made up"})
    assert made.status_code == 200, made.text
    assert made.json()["id"] == first["id"] and made.json()["status"] == "offered"
    deadline = datetime.fromisoformat(made.json()["offer_expires_at"])
    assert deadline > datetime.now(UTC) + timedelta(days=2)  # held for the default three days
    assert (await kari.post(f"/cohorts/{cohort['id']}/seat-offers", json={})).status_code == 409  # none free
    participant_client = caller(enrollment, "idp-p", roles=["participant"], person_id=first["participant_id"])
    assert (await participant_client.post(f"/cohorts/{cohort['id']}/seat-offers", json={})).status_code == 403

    # Declined after the start: the seat stays free until the coordinator decides again.
    assert (await answer(caller, enrollment, first, "decline")).json()["status"] == "withdrawn"
    assert (await desk.shown("applications", second["id"]))["status"] == "waitlisted"
    assert (await desk.shown("cohorts", cohort["id"]))["seats_free"] == 1

    records = await published.wait_for(cohort["id"], "ParticipantWithdrawn", "SeatOffered", "SeatOfferDeclined")
    assert [d["application_id"] for d in published.of_type(records, "ParticipantEnrolled")] == [seated["id"]]
    [offer] = published.of_type(records, "SeatOffered")
    assert offer["offered_by"] == desk.coordinator


async def test_a_cohort_whose_first_day_has_come_promotes_nobody_even_with_offers_configured(desk):
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()
    for offer_days in (0, 3):
        programme = await desk.programme(requires_manager_approval=False, offer_days=offer_days)
        cohort = await desk.cohort(programme["id"], capacity=1, starts_on=today.isoformat())
        seated, waiting = [await desk.apply(cohort["id"], n) for n in range(1, 3)]
        await desk.withdraw(seated)
        shown = await desk.shown("applications", waiting["id"])
        assert (shown["status"], shown["waitlist_position"]) == ("waitlisted", 1)
        assert (await desk.shown("cohorts", cohort["id"]))["seats_free"] == 1


async def test_a_programme_can_turn_offers_on_and_off(desk, enrollment):
    programme = await desk.programme(requires_manager_approval=False)
    assert programme["offer_days"] == 0
    changed = await enrollment.patch(f"/programmes/{programme['id']}", json={"offer_days": 2})
    assert changed.status_code == 200 and changed.json()["offer_days"] == 2
    cohort = await desk.cohort(programme["id"], capacity=1)
    seated, waiting = [await desk.apply(cohort["id"], n) for n in range(1, 3)]
    await desk.withdraw(seated)
    assert (await desk.shown("applications", waiting["id"]))["status"] == "offered"
    assert (await enrollment.patch(f"/programmes/{programme['id']}", json={"offer_days": -1})).status_code == 422


# -- transfers ------------------------------------------------------------------------------

async def test_an_enrolled_person_is_moved_to_another_cohort_keeping_the_approval_and_the_seat_left_moves_on(
        desk, enrollment, caller, published):
    programme = await desk.programme()  # the leader approves
    spring = await desk.cohort(programme["id"], capacity=1, term="spring-2027")
    autumn = await desk.cohort(programme["id"], capacity=1, term="autumn-2027")
    seated, waiting = [await desk.apply(spring["id"], n) for n in (1, 2)]
    for application in (seated, waiting):
        assert (await desk.decide(application, "approve")).status_code == 200
    kari = coordinator(desk, caller, enrollment)

    moved = await kari.post(f"/applications/{seated['id']}/transfer",
                            json={"cohort_id": autumn["id"], "reason": "must postpone: staffing in the summer"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["cohort_id"], moved.json()["status"]) == (autumn["id"], "enrolled")
    history = moved.json()["history"]
    assert [h["to"] for h in history].count("approved") == 1, "the leader's approval is kept, not asked again"
    [transfer] = [h for h in history if h["to"] == "transferred"]
    assert (transfer["by"], transfer["from_cohort_id"], transfer["to_cohort_id"]) == (
        desk.coordinator, spring["id"], autumn["id"])
    # The seat it left went to the head of spring's queue (no offers configured: at once).
    assert (await desk.shown("applications", waiting["id"]))["status"] == "enrolled"
    assert (await desk.shown("cohorts", spring["id"]))["seats_taken"] == 1
    assert (await desk.shown("cohorts", autumn["id"]))["seats_taken"] == 1

    # Into the same cohort, another programme's cohort, or nowhere: refused, nothing moved.
    again = await kari.post(f"/applications/{seated['id']}/transfer", json={"cohort_id": autumn["id"]})
    assert again.status_code == 409
    other = await desk.cohort(capacity=3)
    assert (await kari.post(f"/applications/{waiting['id']}/transfer",
                            json={"cohort_id": other["id"]})).status_code == 422
    assert (await kari.post(f"/applications/{waiting['id']}/transfer", json={})).status_code == 422
    participant_client = participant(caller, enrollment, waiting)
    assert (await participant_client.post(f"/applications/{waiting['id']}/transfer",
                                          json={"defer": True})).status_code == 403

    records = await published.wait_for(spring["id"], "ParticipantTransferred", "ParticipantEnrolled",
                                       "ParticipantEnrolled")
    [moved_event] = published.of_type(records, "ParticipantTransferred")
    assert (moved_event["application_id"], moved_event["to_cohort_id"], moved_event["deferred"]) == (
        seated["id"], autumn["id"], False)
    kinds = [kind for kind, data in records if data.get("application_id") == seated["id"]]
    assert kinds[-2:] == ["ParticipantTransferred", "ParticipantWithdrawn"]
    records = await published.wait_for(autumn["id"], "ParticipantEnrolled")
    [joined] = published.of_type(records, "ParticipantEnrolled")
    assert joined["application_id"] == seated["id"] and joined["cohort_id"] == autumn["id"]


async def test_a_deferral_goes_to_the_next_cohort_that_opens_and_joins_its_queue_when_it_is_full(
        desk, enrollment, caller, published):
    programme = await desk.programme(requires_manager_approval=False)
    now = datetime.now(UTC)
    current = await desk.cohort(programme["id"], capacity=1, term="spring-2027")
    later = await desk.cohort(programme["id"], capacity=1, term="spring-2028", opens_in=timedelta(days=300))
    sooner = await desk.cohort(programme["id"], capacity=1, term="autumn-2027", opens_in=timedelta(days=120))
    running = await desk.cohort(programme["id"], capacity=5, term="summer-2027", opens_in=timedelta(days=10),
                                starts_on=(now - timedelta(days=1)).date().isoformat())
    assert running["status"] == "planned"
    first, second = [await desk.apply(current["id"], n) for n in (1, 2)]
    kari = coordinator(desk, caller, enrollment)

    deferred = await kari.post(f"/applications/{second['id']}/transfer", json={"defer": True})
    assert deferred.status_code == 200, deferred.text
    assert (deferred.json()["cohort_id"], deferred.json()["status"]) == (sooner["id"], "enrolled")
    deferred = await kari.post(f"/applications/{first['id']}/transfer", json={"defer": True})
    assert (deferred.json()["cohort_id"], deferred.json()["status"], deferred.json()["waitlist_position"]) == (
        sooner["id"], "waitlisted", 1), "the next cohort is full: they wait there together"
    assert (await desk.shown("cohorts", current["id"]))["seats_taken"] == 0
    # Moving into a cohort that started is refused.
    refused = await kari.post(f"/applications/{first['id']}/transfer", json={"cohort_id": running["id"]})
    assert refused.status_code == 409 and "started" in refused.json()["detail"]
    # From the last cohort there is nowhere to defer to.
    moved = await kari.post(f"/applications/{first['id']}/transfer", json={"cohort_id": later["id"]})
    assert moved.json()["status"] == "enrolled"
    nowhere = await kari.post(f"/applications/{first['id']}/transfer", json={"defer": True})
    assert nowhere.status_code == 409 and "no later cohort" in nowhere.json()["detail"]

    records = await published.wait_for(current["id"], "ParticipantTransferred", "ParticipantTransferred")
    assert all(e["deferred"] for e in published.of_type(records, "ParticipantTransferred"))
