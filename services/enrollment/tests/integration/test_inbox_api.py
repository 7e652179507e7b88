"""Inboxes on the real stack: each returns exactly what its owner may see, and another's caller sees none of it."""

from __future__ import annotations


async def test_a_leaders_inbox_holds_their_units_and_named_applications_and_nothing_else(desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    in_unit = await desk.apply(cohort["id"], 1, organisation_id="org-unn", unit_id="unit-medisin")
    other_unit = await desk.apply(cohort["id"], 2, organisation_id="org-unn", unit_id="unit-kirurgi")
    other_org = await desk.apply(cohort["id"], 3, organisation_id="org-bodo", unit_id="unit-medisin")
    leader = caller(enrollment, f"idp-leader-{desk.tag}", roles=["organisation_leader"], organisations=["org-unn"],
                    units=["unit-medisin"])

    inbox = (await leader.get("/inbox/leader")).json()
    assert [a["id"] for a in inbox["awaiting_decision"]] == [in_unit["id"]]
    assert [a["id"] for a in inbox["employees"]] == [in_unit["id"]]
    [shown] = inbox["awaiting_decision"]
    assert (shown["applicant"]["name"], shown["applicant"]["email"]) == (
        "Deltaker 1", f"deltaker1.{desk.tag}@example.no"), "a leader sees their own employees' names"

    approved = await leader.post(f"/applications/{in_unit['id']}/approval", json={"decision": "approve"})
    assert approved.status_code == 200
    inbox = (await leader.get("/inbox/leader")).json()
    assert inbox["awaiting_decision"] == []
    assert [(a["id"], a["status"]) for a in inbox["employees"]] == [(in_unit["id"], "enrolled")]

    # The leader of the whole organisation sees both of its units; another organisation's leader sees none of it.
    head = caller(enrollment, f"idp-head-{desk.tag}", roles=["organisation_leader"], organisations=["org-unn"])
    assert {a["id"] for a in (await head.get("/inbox/leader")).json()["employees"]} >= {in_unit["id"],
                                                                                      other_unit["id"]}
    stranger = caller(enrollment, f"idp-x-{desk.tag}", roles=["organisation_leader"], organisations=["org-annen"])
    seen = (await stranger.get("/inbox/leader")).json()
    assert seen == {"awaiting_decision": [], "employees": []}
    assert other_org["id"] not in str((await leader.get("/inbox/leader")).json())
    participant = caller(enrollment, "deltaker", roles=["participant"])
    assert (await participant.get("/inbox/leader")).status_code == 403


async def test_a_participants_inbox_holds_their_own_applications_with_place_and_programme(desk, enrollment, caller):
    programme = await desk.programme(requires_manager_approval=False, title="Der skoen trykker")
    cohort = await desk.cohort(programme["id"], capacity=1, location="Bodø")
    await desk.apply(cohort["id"], 1)  # takes the only seat
    ingrid = caller(enrollment, f"idp-ingrid-{desk.tag}", roles=["participant"],
                    email=f"ingrid.{desk.tag}@example.no", name="Ingrid Nilsen")
    filed = await ingrid.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(9))
    assert filed.status_code == 201, filed.text

    inbox = (await ingrid.get("/inbox/participant")).json()
    [mine] = inbox["applications"]
    assert (mine["id"], mine["status"], mine["waitlist_position"]) == (filed.json()["id"], "waitlisted", 1)
    assert mine["cohort"] | {"starts_on": None} == {"term": "autumn-2027", "location": "Bodø", "starts_on": None,
                                                   "programme_title": "Der skoen trykker"}
    # Name and address from her sign-in; her own phone from her own form.
    assert (mine["applicant"]["name"], mine["applicant"]["email"], mine["applicant"]["phone"]) == (
        "Ingrid Nilsen", f"ingrid.{desk.tag}@example.no", "+47 912 34 567")

    other = caller(enrollment, f"idp-ola-{desk.tag}", roles=["participant"], email=f"ola.{desk.tag}@example.no")
    assert (await other.get("/inbox/participant")).json() == {"applications": []}
    # A coordinator of another network does not reach the application either.
    stranger = caller(enrollment, "ola", roles=["network_coordinator"], networks=["net-annet"])
    assert (await stranger.get(f"/applications/{mine['id']}")).status_code == 404


async def test_a_coordinator_sees_the_names_of_their_own_networks_applicants_only(desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    application = await desk.apply(cohort["id"], 1)
    coordinator = caller(enrollment, "kari", roles=["programme_coordinator"], networks=[desk.network])
    [listed] = (await coordinator.get(f"/cohorts/{cohort['id']}/applications")).json()
    assert (listed["applicant"]["name"], listed["applicant"]["phone"]) == ("Deltaker 1", "+47 912 34 567")
    stranger = caller(enrollment, "ola", roles=["programme_coordinator"], networks=["net-annet"])
    assert (await stranger.get(f"/cohorts/{cohort['id']}/applications")).status_code == 404
    assert (await stranger.get(f"/applications/{application['id']}")).status_code == 404
    assert (await stranger.get(f"/people/{application['participant_id']}/contact")).status_code == 404


async def test_a_representative_who_only_signed_in_can_be_reached_by_notifications(enrollment, caller):
    representative = caller(enrollment, "idp-verneombud-1", roles=["safety_representative"],
                            organisations=["org-unn"], email="verneombud@example.no", name="Vera Ombud")
    assert (await representative.get("/networks")).status_code == 200
    # Notifications asks with its platform-admin client token (the `enrollment` client here).
    contact = (await enrollment.get("/people/idp-verneombud-1/contact")).json()
    assert (contact["name"], contact["email"]) == ("Vera Ombud", "verneombud@example.no")
