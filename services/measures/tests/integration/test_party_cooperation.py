"""A measure is owned by the leader, the union representative and the safety representative together.

Each party records only their own agreement: the role and the person come from the
caller's token, so a leader (or anyone else) cannot agree for the representatives, and
nobody adopts before all three have agreed in their own name.
"""

from __future__ import annotations

# The persons of the three parties in the steps fixture (conftest.PARTIES).
LEADER, UNION_REP, SAFETY_REP = "person-leder", "person-tillitsvalgt", "person-verneombud"


async def test_a_measure_is_adopted_only_after_leader_union_and_safety_representatives_all_agree(
        steps, measure_events, wait_until):
    measure = await steps.propose()
    assert measure["status"] == "proposed"
    assert measure["missing_agreements"] == ["leader", "union_representative", "safety_representative"]

    await steps.agree(measure["id"], "leader")
    refused = await steps.adopt(measure["id"])
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["missing_roles"] == ["union_representative", "safety_representative"]
    assert "tillitsvalgt" in problem["detail"] and "verneombud" in problem["detail"]

    await steps.agree(measure["id"], "union_representative")
    assert (await steps.adopt(measure["id"])).json()["missing_roles"] == ["safety_representative"]

    await steps.agree(measure["id"], "safety_representative")
    adopted = await steps.adopt(measure["id"])
    assert adopted.status_code == 200, adopted.text
    shown = adopted.json()
    assert shown["status"] == "adopted" and shown["missing_agreements"] == []
    assert {o["role"]: o["person_id"] for o in shown["owners"]} == {
        "leader": LEADER, "union_representative": UNION_REP, "safety_representative": SAFETY_REP}
    assert all(o["agreed_at"] for o in shown["owners"])

    async def adoption_published():
        return "MeasureAdopted" in await measure_events.types_of(measure["id"])

    await wait_until(adoption_published)
    events = await measure_events.of(measure["id"])
    assert [kind for kind, _ in events] == ["MeasureProposed", "MeasureAdopted"]
    adopted_event = events[1][1]
    assert adopted_event["network_id"] == steps.network_id
    assert adopted_event["adopted_on"] == shown["adopted_on"]
    assert adopted_event["next_follow_up_due"] == shown["next_follow_up_due"]
    assert {o["role"]: o["person_id"] for o in adopted_event["owners"]} == {
        "leader": LEADER, "union_representative": UNION_REP, "safety_representative": SAFETY_REP}


async def test_a_leader_cannot_agree_for_the_representatives_nor_adopt_alone(steps, caller, measure_events):
    measure = await steps.propose()
    leader = steps.party("leader")
    consents = f"/measures/{measure['id']}/consents"

    for as_representative in ({"role": "union_representative"}, {"role": "safety_representative"},
                              {"role": "union_representative", "person_id": UNION_REP}):
        refused = await leader.post(consents, json=as_representative)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    # Nor in another person's name in the leader's own role.
    assert (await leader.post(consents, json={"role": "leader", "person_id": "person-someone-else"})).status_code == 403
    # A platform admin is no party either.
    assert (await steps.client.post(consents, json={"role": "union_representative"})).status_code == 403

    assert (await leader.post(consents, json={})).status_code == 200
    alone = await leader.post(f"/measures/{measure['id']}/adoption", json={})
    assert alone.status_code == 409
    assert alone.json()["missing_roles"] == ["union_representative", "safety_representative"]

    shown = await steps.measure(measure["id"])
    assert shown["status"] == "proposed"
    assert {o["role"]: o["person_id"] for o in shown["owners"]} == {
        "leader": LEADER, "union_representative": None, "safety_representative": None}
    assert "MeasureAdopted" not in await measure_events.types_of(measure["id"])


async def test_each_party_agreeing_with_their_own_token_lets_a_representative_adopt(steps, measure_events, wait_until):
    measure = await steps.propose(unit_ids=("unit-hjemmetjenesten", "unit-sykehjemmet"))
    for role in ("safety_representative", "leader", "union_representative"):
        # Scoped to one of the measure's units only, like a representative elected for their own unit.
        party = steps.party(role, unit_ids=("unit-sykehjemmet",))
        agreed = await party.post(f"/measures/{measure['id']}/consents", json={})
        assert agreed.status_code == 200, agreed.text
    union = steps.party("union_representative", unit_ids=("unit-sykehjemmet",))
    adopted = await union.post(f"/measures/{measure['id']}/adoption", json={})
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["adopted_by"] == UNION_REP

    async def owners_published():
        events = dict(await measure_events.of(measure["id"]))
        return events.get("MeasureAdopted")

    adopted_event = await wait_until(owners_published)
    assert sorted((o["role"], o["person_id"]) for o in adopted_event["owners"]) == sorted([
        ("leader", LEADER), ("union_representative", UNION_REP), ("safety_representative", SAFETY_REP)])


async def test_a_party_of_another_organisation_or_unit_cannot_agree(steps):
    measure = await steps.propose()
    consents = f"/measures/{measure['id']}/consents"
    for outsider in (steps.party("union_representative", organisation_id="org-rennebu"),
                     steps.party("safety_representative", unit_ids=("unit-legevakten",)),
                     steps.party("leader", organisation_id="org-rennebu")):
        refused = await outsider.post(consents, json={})
        assert refused.status_code == 404, refused.text
    assert (await steps.measure(measure["id"]))["missing_agreements"] == [
        "leader", "union_representative", "safety_representative"]


async def test_a_caller_holding_two_party_roles_says_which_one_agrees(steps, caller):
    measure = await steps.propose()
    both = caller(steps.client, "person-begge", roles=["union_representative", "safety_representative"],
                  organisations=["org-oppdal"], person_id="person-begge")
    consents = f"/measures/{measure['id']}/consents"
    unclear = await both.post(consents, json={})
    assert unclear.status_code == 422
    assert unclear.json()["roles"] == ["union_representative", "safety_representative"]
    assert (await both.post(consents, json={"role": "safety_representative"})).status_code == 200
    shown = await steps.measure(measure["id"])
    assert shown["missing_agreements"] == ["leader", "union_representative"]


async def test_a_refused_adoption_changes_nothing_and_publishes_nothing(steps, measure_events):
    measure = await steps.propose()
    assert (await steps.adopt(measure["id"])).status_code == 409
    assert (await steps.measure(measure["id"]))["status"] == "proposed"
    assert "MeasureAdopted" not in await measure_events.types_of(measure["id"])


async def test_only_the_named_representative_can_agree_for_their_role(steps):
    measure = await steps.propose(owners=[{"role": "safety_representative", "person_id": SAFETY_REP}])
    another = steps.party("safety_representative", person_id="person-someone-else")
    response = await another.post(f"/measures/{measure['id']}/consents", json={})
    assert response.status_code == 409
    assert response.json()["owner_id"] == SAFETY_REP


async def test_an_adopted_measure_cannot_be_adopted_or_agreed_to_again(steps):
    measure = await steps.adopted()
    assert (await steps.adopt(measure["id"])).status_code == 409
    late = await steps.party("leader", person_id="person-new-leader").post(
        f"/measures/{measure['id']}/consents", json={})
    assert late.status_code == 409


async def test_an_adoption_date_in_the_future_is_refused(steps):
    measure = await steps.propose()
    await steps.agree(measure["id"])
    response = await steps.adopt(measure["id"], adopted_on=steps.days_ago(-3))
    assert response.status_code == 422
    assert "in the future" in response.json()["detail"]
