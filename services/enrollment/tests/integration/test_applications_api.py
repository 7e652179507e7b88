"""Applications on the real stack: every transition, every refusal, the audit trail and the events."""

from __future__ import annotations

import asyncio
from datetime import timedelta


async def test_an_application_waits_for_the_managers_approval_before_taking_a_seat(desk, published):
    cohort = await desk.cohort((await desk.programme())["id"])
    application = await desk.apply(cohort["id"], 1)
    assert application["status"] == "awaiting_manager_approval"
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 0

    approved = await desk.decide(application, "approve", "glad to anchor this in the unit")
    assert approved.status_code == 200 and approved.json()["status"] == "enrolled"
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 1

    records = await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationApproved",
                                       "ParticipantEnrolled")
    assert [kind for kind, _ in records] == ["CohortOpened", "ApplicationSubmitted", "ApplicationApproved",
                                             "ParticipantEnrolled"]
    [submitted] = published.of_type(records, "ApplicationSubmitted")
    assert submitted["requires_manager_approval"] is True and submitted["manager_id"] == application["manager_id"]
    [approval] = published.of_type(records, "ApplicationApproved")
    assert approval["approved_by"] == application["manager_id"]
    [enrolled] = published.of_type(records, "ParticipantEnrolled")
    assert (enrolled["application_id"], enrolled["via"]) == (application["id"], "direct")


async def test_a_leader_decides_in_their_own_name_only(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"])
    application = await desk.apply(cohort["id"], 1)
    leader = desk.leader(application["manager_id"])
    response = await leader.post(f"/applications/{application['id']}/approval",
                                 json={"decision": "approve", "manager_id": "someone-else"})
    assert response.status_code == 403
    assert "own name" in response.json()["detail"]
    assert (await desk.shown("applications", application["id"]))["status"] == "awaiting_manager_approval"


async def test_a_declined_application_takes_no_seat_and_cannot_be_approved_later(desk, published):
    cohort = await desk.cohort((await desk.programme())["id"])
    application = await desk.apply(cohort["id"], 1)
    declined = await desk.decide(application, "decline", "staffing is too thin this spring")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    again = await desk.decide(application, "approve")
    assert again.status_code == 409 and "declined" in again.json()["detail"]
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 0

    records = await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationDeclined")
    [decline] = published.of_type(records, "ApplicationDeclined")
    assert decline["declined_by"] == application["manager_id"]
    assert "staffing" not in str(records), "the reason stays in enrollment: it may be personal"
    assert not published.of_type(records, "ParticipantEnrolled")


async def test_a_decline_needs_a_reason_the_applicant_can_read(desk):
    cohort = await desk.cohort((await desk.programme())["id"])
    application = await desk.apply(cohort["id"], 1)
    response = await desk.decide(application, "decline", "  ")
    assert response.status_code == 422 and "needs a reason" in response.json()["detail"]
    assert (await desk.shown("applications", application["id"]))["status"] == "awaiting_manager_approval"


async def test_an_approval_after_the_cohort_filled_up_puts_the_participant_on_the_waitlist(desk):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=1)
    first, second = [await desk.apply(cohort["id"], n) for n in (1, 2)]
    assert (await desk.decide(first, "approve")).json()["status"] == "enrolled"
    later = (await desk.decide(second, "approve")).json()
    assert (later["status"], later["waitlist_position"]) == ("waitlisted", 1)


async def test_a_full_cohort_waitlists_and_a_withdrawal_promotes_the_head_of_the_queue_in_the_same_step(
        desk, published):
    cohort = await desk.cohort(capacity=1)
    first, second, third = [await desk.apply(cohort["id"], n) for n in (1, 2, 3)]
    assert (first["status"], second["status"], third["status"]) == ("enrolled", "waitlisted", "waitlisted")
    assert (second["waitlist_position"], third["waitlist_position"]) == (1, 2)
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["status"], shown["seats_free"], shown["waitlist_length"]) == ("full", 0, 2)

    withdrawn = await desk.withdraw(first, "moved to another hospital")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await desk.shown("applications", second["id"]))["status"] == "enrolled"
    assert (await desk.shown("applications", third["id"]))["waitlist_position"] == 1

    records = await published.wait_for(cohort["id"], "ParticipantWaitlisted", "ParticipantWaitlisted",
                                       "ParticipantWithdrawn", "ParticipantEnrolled", "ParticipantEnrolled")
    seat_events = [(kind, data) for kind, data in records if kind.startswith("Participant")]
    assert [(kind, data["application_id"]) for kind, data in seat_events] == [
        ("ParticipantEnrolled", first["id"]), ("ParticipantWaitlisted", second["id"]),
        ("ParticipantWaitlisted", third["id"]), ("ParticipantWithdrawn", first["id"]),
        ("ParticipantEnrolled", second["id"])]
    assert [data["position"] for data in published.of_type(records, "ParticipantWaitlisted")] == [1, 2]
    assert seat_events[3][1]["previous_status"] == "enrolled"
    assert seat_events[4][1]["via"] == "waitlist"
    sequences = [data["cohort_sequence"] for _, data in seat_events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 5


async def test_a_waitlisted_participant_who_withdraws_leaves_the_queue_and_those_behind_move_up(desk, published):
    cohort = await desk.cohort(capacity=1)
    applications = [await desk.apply(cohort["id"], n) for n in range(4)]
    leaving = applications[1]
    assert (await desk.withdraw(leaving, "not this term")).json()["status"] == "withdrawn"
    positions = [(await desk.shown("applications", a["id"]))["waitlist_position"] for a in applications[2:]]
    assert positions == [1, 2]
    assert (await desk.shown("cohorts", cohort["id"]))["waitlist_length"] == 2

    records = await published.wait_for(cohort["id"], "ParticipantWithdrawn")
    [withdrawal] = published.of_type(records, "ParticipantWithdrawn")
    assert withdrawal["previous_status"] == "waitlisted" and withdrawal["cohort_sequence"] >= 1
    assert len(published.of_type(records, "ParticipantEnrolled")) == 1, "nobody was promoted"


async def test_withdrawing_before_the_manager_decides_ends_the_application(desk, published):
    cohort = await desk.cohort((await desk.programme())["id"])
    application = await desk.apply(cohort["id"], 1)
    response = await desk.withdraw(application, "my manager and I agreed on next year instead")
    assert response.json()["status"] == "withdrawn"
    assert (await desk.decide(application, "approve")).status_code == 409

    records = await published.wait_for(cohort["id"], "ParticipantWithdrawn")
    [withdrawal] = published.of_type(records, "ParticipantWithdrawn")
    assert withdrawal["previous_status"] == "awaiting_manager_approval" and withdrawal["cohort_sequence"] is None


async def test_a_withdrawn_or_declined_application_cannot_be_withdrawn_again(desk):
    cohort = await desk.cohort((await desk.programme())["id"])
    withdrawn, declined = [await desk.apply(cohort["id"], n) for n in (1, 2)]
    await desk.withdraw(withdrawn)
    await desk.decide(declined, "decline", "no cover for the night shifts")
    for application, status in ((withdrawn, "withdrawn"), (declined, "declined")):
        response = await desk.withdraw(application)
        assert response.status_code == 409 and f"already {status}" in response.json()["detail"]


async def test_every_transition_is_in_the_applications_history_with_who_when_and_why(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=1)
    first, second = [await desk.apply(cohort["id"], n) for n in (1, 2)]
    await desk.decide(first, "approve", "fits our plan for the ward")
    await desk.decide(second, "approve")
    # `by` in a body is ignored: the signed-in caller (here the admin client) is recorded.
    await enrollment.post(f"/applications/{first['id']}/withdrawal",
                          json={"reason": "long-term sick leave", "by": "hr-advisor-1"})

    def trail(application: dict) -> list[tuple]:
        return [(e["from"], e["to"], e["by"], e["reason"]) for e in application["history"]]

    first_shown = await desk.shown("applications", first["id"])
    assert trail(first_shown) == [
        (None, "submitted", first["participant_id"], None),
        ("submitted", "awaiting_manager_approval", first["participant_id"],
         "the programme requires the manager's approval"),
        ("awaiting_manager_approval", "approved", first["manager_id"], "fits our plan for the ward"),
        ("approved", "enrolled", "seat-allocation", "a seat was free"),
        ("enrolled", "withdrawn", "test-admin", "long-term sick leave"),
    ]
    second_shown = await desk.shown("applications", second["id"])
    assert trail(second_shown)[-2:] == [
        ("approved", "waitlisted", "seat-allocation", "the cohort was full"),
        ("waitlisted", "enrolled", "waitlist-promotion", "a seat was freed by a withdrawal")]
    assert second_shown["history"][-2]["position"] == 1
    times = [e["at"] for e in first_shown["history"]]
    assert times == sorted(times)


async def test_the_same_person_cannot_apply_twice_to_one_cohort(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"])
    first = await desk.apply(cohort["id"], 7)
    duplicate = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(7))
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"
    assert "already applied" in duplicate.json()["detail"]
    assert duplicate.json()["application_id"] == first["id"], "the problem points at the existing application"


async def test_a_double_click_applies_once_and_the_second_answer_points_at_the_first(desk, enrollment):
    cohort = await desk.cohort(capacity=3)
    answers = await asyncio.gather(*(enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(8))
                                     for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409]
    created, refused = sorted(answers, key=lambda a: a.status_code)
    assert refused.json()["application_id"] == created.json()["id"]
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 1


async def test_applications_before_the_window_opens_are_refused_with_the_window(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"], opens_in=timedelta(days=10))
    response = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1))
    assert response.status_code == 422
    assert "applications are accepted from" in response.json()["detail"]
    assert "(Europe/Oslo time)" in response.json()["detail"]


async def test_applications_after_the_window_closed_are_refused_with_the_window(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"], opens_in=-timedelta(days=40), lasts=timedelta(days=10))
    response = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1))
    assert response.status_code == 422 and "until" in response.json()["detail"]


async def test_the_approving_manager_must_be_someone_else_than_the_applicant(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"])
    form = desk.form(1)
    form["manager"] = {"name": "Meg Selv", "email": form["participant"]["email"].upper()}
    response = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=form)
    assert response.status_code == 422 and "someone other than the applicant" in response.json()["detail"]


async def test_a_facilitator_cannot_name_their_own_unit_when_the_programme_trains_for_other_units(desk, enrollment):
    cohort = await desk.cohort((await desk.programme())["id"])
    form = desk.form(1, unit_id="unit-med-3", facilitator_unit_ids=["unit-kir-1", "unit-med-3"])
    own = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=form)
    assert own.status_code == 422 and "unit-med-3 is the applicant's own unit" in own.json()["detail"]
    others = await desk.apply(cohort["id"], 2, unit_id="unit-med-3", facilitator_unit_ids=["unit-kir-1"])
    assert others["facilitator_unit_ids"] == ["unit-kir-1"]


async def test_the_cohort_lists_its_applications_and_its_queue_in_order(desk, enrollment):
    cohort = await desk.cohort(capacity=2)
    applications = [await desk.apply(cohort["id"], n) for n in range(6)]
    await desk.withdraw(applications[3])

    async def listed(**params) -> list[tuple[str, str, int | None]]:
        response = await enrollment.get(f"/cohorts/{cohort['id']}/applications", params=params)
        assert response.status_code == 200, response.text
        return [(a["id"], a["status"], a["waitlist_position"]) for a in response.json()]

    ids = [a["id"] for a in applications]
    assert await listed(status="waitlisted") == [(ids[2], "waitlisted", 1), (ids[4], "waitlisted", 2),
                                                 (ids[5], "waitlisted", 3)]
    assert await listed(status="waitlisted", offset=1, limit=1) == [(ids[4], "waitlisted", 2)]
    assert [i for i, _, _ in await listed(status="enrolled")] == ids[:2]
    assert await listed(status="withdrawn") == [(ids[3], "withdrawn", None)]
    everyone = await listed(limit=4)
    assert [i for i, _, _ in everyone] == ids[:4] and everyone[3][1] == "withdrawn"
    assert (await enrollment.get(f"/cohorts/{cohort['id']}/applications", params={"limit": 201})).status_code == 422


async def test_events_carry_ids_and_never_names_or_contact_details(desk, published):
    cohort = await desk.cohort(capacity=1)
    form = desk.form(1)
    await desk.apply(cohort["id"], 1)
    await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationApproved", "ParticipantEnrolled")
    records = await published.raw(cohort["id"])
    values = b" ".join(r.value for r in records).decode()
    for personal in (form["participant"]["email"], form["participant"]["name"], form["manager"]["email"],
                     form["participant"]["phone"], "Leder Lund"):
        assert personal not in values


async def test_unknown_fields_and_wrong_types_get_a_422_problem(enrollment):
    response = await enrollment.post("/programmes", json={
        "code": "X", "title": "T", "network_id": "net-1", "capacity_typo": 3, "requires_manager_approval": "maybe"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] == "Invalid request"
    locations = {e["location"] for e in problem["errors"]}
    assert {"body.capacity_typo", "body.requires_manager_approval"} <= locations


async def test_unknown_ids_get_a_404_problem(desk, enrollment):
    for path in ("/programmes/nope", "/cohorts/nope", "/applications/nope", "/cohorts/nope/applications",
                 "/cohorts/nope/history", "/programmes/nope/interest", "/people/nope/contact"):
        response = await enrollment.get(path)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Not found"
    assert (await enrollment.post("/cohorts/nope/applications", json=desk.form(1))).status_code == 404
    assert (await enrollment.post("/applications/nope/withdrawal", json={})).status_code == 404


async def test_a_cohorts_applications_can_be_listed_for_one_member_organisation(desk, enrollment):
    # Two organisations of the network share the cohort; each sees its own people, also in the queue.
    cohort = await desk.cohort(capacity=2)
    unn = [await desk.apply(cohort["id"], n) for n in (1, 2)]
    finnmark = [await desk.apply(cohort["id"], n, organisation_id="org-finnmarkssykehuset") for n in (3, 4)]

    async def listed(**params):
        response = await enrollment.get(f"/cohorts/{cohort['id']}/applications", params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()]

    assert await listed(organisation_id="org-unn") == [a["id"] for a in unn]
    assert await listed(organisation_id="org-finnmarkssykehuset") == [a["id"] for a in finnmark]
    assert await listed(organisation_id="org-finnmarkssykehuset", status="waitlisted") == [a["id"] for a in finnmark]
    assert await listed(organisation_id="org-unn", status="waitlisted") == []
    assert await listed(organisation_id="org-unn", status="enrolled") == [a["id"] for a in unn]
