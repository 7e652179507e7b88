"""Cohorts on the real stack: announcing, status, seats, capacity, listing, and the coordinator's trail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


async def test_a_new_cohort_is_announced_and_its_window_reads_in_oslo_time(desk, enrollment, published):
    programme = await desk.programme()
    response = await enrollment.post("/cohorts", json={
        "programme_id": programme["id"], "term": "spring-2027", "location": "Tromsø", "capacity": 24,
        "applications_open_at": "2027-01-04T09:00:00", "applications_close_at": "2027-02-15T15:30:00",
        "starts_on": "2027-03-10"})
    assert response.status_code == 201, response.text
    cohort = response.json()
    assert cohort["applications_open_at"] == "2027-01-04T09:00:00+01:00", "a time without offset is Oslo time"
    assert cohort["applications_close_at"] == "2027-02-15T15:30:00+01:00"
    assert (cohort["status"], cohort["seats_taken"], cohort["seats_free"], cohort["waitlist_length"]) == (
        "planned", 0, 24, 0)
    assert cohort["network_id"] == desk.network, "the programme's network runs it unless told otherwise"

    [(_, opened)] = await published.wait_for(cohort["id"], "CohortOpened")
    assert opened["programme_id"] == programme["id"] and opened["capacity"] == 24
    assert datetime.fromisoformat(opened["applications_open_at"]) == datetime(2027, 1, 4, 8, tzinfo=UTC)
    assert opened["starts_on"] == "2027-03-10"
    assert opened["location"] == "Tromsø" and opened["time_zone"] == "Europe/Oslo"


async def test_a_regional_cohort_belongs_to_the_network_that_runs_it(desk):
    programme = await desk.programme()
    cohort = await desk.cohort(programme["id"], network_id="net-helse-vest", location="digital")
    assert (cohort["network_id"], cohort["location"]) == ("net-helse-vest", "digital")


async def test_a_window_that_closes_before_it_opens_is_refused(desk, enrollment):
    programme = await desk.programme()
    response = await enrollment.post("/cohorts", json={
        "programme_id": programme["id"], "term": "spring-2027", "capacity": 5,
        "applications_open_at": "2027-02-01T09:00:00+01:00", "applications_close_at": "2027-01-01T09:00:00+01:00"})
    assert response.status_code == 422
    assert "applications_close_at must be after applications_open_at" in response.text


async def test_a_cohort_shows_planned_open_full_and_closed_as_the_clock_and_seats_say(desk):
    programme = await desk.programme(requires_manager_approval=False)
    planned = await desk.cohort(programme["id"], opens_in=timedelta(days=3))
    passed = await desk.cohort(programme["id"], opens_in=-timedelta(days=40), lasts=timedelta(days=10))
    filling = await desk.cohort(programme["id"], capacity=1)
    assert (planned["status"], passed["status"], filling["status"]) == ("planned", "closed", "open")
    await desk.apply(filling["id"], 1)
    assert (await desk.shown("cohorts", filling["id"]))["status"] == "full"


async def test_cohorts_are_filtered_by_programme_network_status_and_term_page_by_page(desk, enrollment):
    kult = await desk.programme(requires_manager_approval=False)
    dst = await desk.programme(code="DST", title="Der skoen trykker")
    open_ones = [await desk.cohort(kult["id"], capacity=3) for _ in range(3)]
    full = await desk.cohort(kult["id"], capacity=1)
    await desk.apply(full["id"], 1)
    planned = await desk.cohort(kult["id"], opens_in=timedelta(days=5), term="spring-2028")
    other = await desk.cohort(dst["id"], network_id="net-helse-vest")

    async def listed(**params) -> list[str]:
        response = await enrollment.get("/cohorts", params=params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()]

    assert await listed(programme_id=kult["id"], status="open") == [c["id"] for c in open_ones]
    assert await listed(programme_id=kult["id"], status="open", limit=2, offset=2) == [open_ones[2]["id"]]
    assert await listed(programme_id=kult["id"], status="full") == [full["id"]]
    assert await listed(programme_id=kult["id"], term="spring-2028") == [planned["id"]]
    assert await listed(programme_id=kult["id"], status="planned") == [planned["id"]]
    assert await listed(network_id="net-helse-vest") == [other["id"]]
    assert (await enrollment.get("/cohorts", params={"status": "sleeping"})).status_code == 422
    assert (await enrollment.get("/cohorts", params={"limit": 500})).status_code == 422


async def test_growing_the_capacity_promotes_the_head_of_the_waitlist_at_once(desk, enrollment, published):
    cohort = await desk.cohort(capacity=1)
    first, second, third = [await desk.apply(cohort["id"], n) for n in (1, 2, 3)]
    response = await enrollment.patch(f"/cohorts/{cohort['id']}", json={
        "capacity": 2, "by": desk.coordinator, "reason": "a second facilitator joined"})
    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["capacity"], shown["seats_taken"], shown["waitlist_length"], shown["status"]) == (2, 2, 1, "full")
    assert (await desk.shown("applications", second["id"]))["status"] == "enrolled"
    assert (await desk.shown("applications", third["id"]))["waitlist_position"] == 1

    records = await published.wait_for(cohort["id"], "CohortCapacityChanged", "ParticipantEnrolled",
                                       "ParticipantEnrolled")
    [changed] = published.of_type(records, "CohortCapacityChanged")
    assert (changed["capacity"], changed["seats_taken"]) == (2, 1)
    promoted = published.of_type(records, "ParticipantEnrolled")[-1]
    assert (promoted["application_id"], promoted["via"]) == (second["id"], "waitlist")
    history = (await desk.shown("applications", second["id"]))["history"]
    assert history[-1]["by"] == "waitlist-promotion" and "capacity grew from 1 to 2" in history[-1]["reason"]
    assert first["status"] == "enrolled"


async def test_the_capacity_cannot_shrink_below_the_seats_taken(desk, enrollment):
    cohort = await desk.cohort(capacity=3)
    for n in (1, 2):
        await desk.apply(cohort["id"], n)
    response = await enrollment.patch(f"/cohorts/{cohort['id']}", json={"capacity": 1, "by": desk.coordinator})
    assert response.status_code == 409
    assert "2 participants hold seats" in response.json()["detail"] and response.json()["seats_taken"] == 2
    shrunk = await enrollment.patch(f"/cohorts/{cohort['id']}", json={"capacity": 2, "by": desk.coordinator})
    assert shrunk.json()["status"] == "full"


async def test_a_coordinator_closes_reopens_runs_and_completes_a_cohort_and_the_trail_says_who_and_why(
        desk, enrollment, caller):
    cohort = await desk.cohort(capacity=5)
    enrolled = await desk.apply(cohort["id"], 1)
    # The trail records the signed-in coordinator; a `by` in the body is ignored.
    coordinator = caller(enrollment, desk.coordinator, roles=["network_coordinator"], networks=[desk.network])

    async def move(status: str, reason: str | None = None):
        return await coordinator.post(f"/cohorts/{cohort['id']}/status",
                                      json={"status": status, "by": "someone-else", "reason": reason})

    closed = await move("closed", "enough applicants from this region")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    refused = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(2))
    assert refused.status_code == 409 and "the cohort is closed" in refused.json()["detail"]
    assert (await move("open", "one more unit wants to join")).json()["status"] == "open"
    assert (await move("completed")).status_code == 409, "only a running cohort completes"
    assert (await move("running", "kickoff in Oslo")).json()["status"] == "running"
    assert (await move("closed")).status_code == 409
    assert (await move("completed", "closing gathering held")).json()["status"] == "completed"

    for status in ("running", "open"):
        assert (await move(status)).status_code == 409
    derived = await move("full")
    assert derived.status_code == 422 and "cannot be set" in derived.json()["detail"]
    late = await desk.withdraw(enrolled)
    assert late.status_code == 409 and "completed" in late.json()["detail"]

    trail = (await enrollment.get(f"/cohorts/{cohort['id']}/history")).json()
    steps = [(e["from"], e["to"], e["by"], e["reason"]) for e in trail if e.get("change") == "status"]
    assert steps == [("open", "closed", desk.coordinator, "enough applicants from this region"),
                     ("closed", "open", desk.coordinator, "one more unit wants to join"),
                     ("open", "running", desk.coordinator, "kickoff in Oslo"),
                     ("running", "completed", desk.coordinator, "closing gathering held")]


async def test_a_cohort_reopened_after_its_window_passed_is_refused(desk, enrollment):
    cohort = await desk.cohort(opens_in=-timedelta(days=40), lasts=timedelta(days=10))
    response = await enrollment.post(f"/cohorts/{cohort['id']}/status",
                                     json={"status": "open", "by": desk.coordinator})
    assert response.status_code == 409


async def test_seats_are_never_oversold_however_many_apply_at_once(desk, enrollment):
    cohort = await desk.cohort(capacity=5)
    answers = await asyncio.gather(*(enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(n))
                                     for n in range(40)))
    assert {a.status_code for a in answers} == {201}
    placed = [a.json() for a in answers]
    assert sum(a["status"] == "enrolled" for a in placed) == 5
    assert sorted(a["waitlist_position"] for a in placed if a["status"] == "waitlisted") == list(range(1, 36))
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_free"], shown["waitlist_length"]) == (5, 0, 35)


async def test_a_completed_cohort_takes_no_approvals_and_no_capacity_changes(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=2)
    pending = await desk.apply(cohort["id"], 1)
    for status in ("running", "completed"):
        moved = await enrollment.post(f"/cohorts/{cohort['id']}/status",
                                      json={"status": status, "by": desk.coordinator})
        assert moved.status_code == 200, moved.text
    late = await desk.decide(pending, "approve")
    assert late.status_code == 409 and "completed" in late.json()["detail"]
    resized = await enrollment.patch(f"/cohorts/{cohort['id']}", json={"capacity": 5, "by": desk.coordinator})
    assert resized.status_code == 409 and "completed" in resized.json()["detail"]
