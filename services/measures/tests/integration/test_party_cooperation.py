"""A measure is owned by the leader, the union representative and the safety representative together."""

from __future__ import annotations


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
        "leader": "person-leder", "union_representative": "person-tillitsvalgt",
        "safety_representative": "person-verneombud"}
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
        "leader": "person-leder", "union_representative": "person-tillitsvalgt",
        "safety_representative": "person-verneombud"}


async def test_a_refused_adoption_changes_nothing_and_publishes_nothing(steps, measure_events):
    measure = await steps.propose()
    assert (await steps.adopt(measure["id"])).status_code == 409
    assert (await steps.measure(measure["id"]))["status"] == "proposed"
    assert "MeasureAdopted" not in await measure_events.types_of(measure["id"])


async def test_only_the_named_representative_can_agree_for_their_role(steps):
    measure = await steps.propose(owners=[{"role": "safety_representative", "person_id": "person-verneombud"}])
    response = await steps.client.post(f"/measures/{measure['id']}/consents",
                                       json={"role": "safety_representative", "person_id": "person-someone-else"})
    assert response.status_code == 409
    assert response.json()["owner_id"] == "person-verneombud"


async def test_an_adopted_measure_cannot_be_adopted_or_agreed_to_again(steps):
    measure = await steps.adopted()
    assert (await steps.adopt(measure["id"])).status_code == 409
    late = await steps.client.post(f"/measures/{measure['id']}/consents",
                                   json={"role": "leader", "person_id": "person-new-leader"})
    assert late.status_code == 409


async def test_an_adoption_date_in_the_future_is_refused(steps):
    measure = await steps.propose()
    await steps.agree(measure["id"])
    response = await steps.adopt(measure["id"], adopted_on=steps.days_ago(-3))
    assert response.status_code == 422
    assert "in the future" in response.json()["detail"]
