"""Staff input of a unit: ideas through the link or signed in, dialogue results, priorities, and item → measure."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def unit() -> str:
    return f"unit-{uuid.uuid4().hex[:6]}"


async def new_link(steps, unit) -> str:
    leader = steps.party("leader", unit_ids=(unit,))
    response = await leader.post(f"/units/{unit}/input-link",
                                 json={"network_id": steps.network_id, "organisation_id": "org-oppdal"})
    assert response.status_code == 201, response.text
    assert response.json()["path"] == f"/input/{response.json()['token']}"
    return response.json()["token"]


async def test_ideas_become_prioritised_items_and_a_measure_keeping_its_workshop_link(steps, unit, measure_events,
                                                                                      wait_until):
    token = await new_link(steps, unit)
    anonymous = steps.caller(steps.client, token=None)
    sent = await anonymous.post(f"/input/{token}", json={
        "text": "Vi får vaktlista for sent", "area": "full_time_culture", "kind": "concern"})
    assert sent.status_code == 201, sent.text
    staff = steps.caller(steps.client, "staff-1", roles=["participant"], person_id="person-staff-1")
    signed = await staff.post(f"/input/{token}", json={"text": "Faste team på kveld", "area": "full_time_culture"})
    assert signed.status_code == 201, signed.text

    union = steps.party("union_representative", unit_ids=(unit,))
    session = f"session-{uuid.uuid4().hex[:8]}"
    result = await union.post(f"/units/{unit}/dialogue-results", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "session_id": session, "group": 2,
        "keywords": ["forutsigbarhet", "heltid"], "why": "Deltid gir lite kontinuitet for brukerne",
        "next_step": "Prøve lange vakter annenhver helg", "area": "full_time_culture"})
    assert result.status_code == 201, result.text
    again = await union.post(f"/units/{unit}/dialogue-results", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "session_id": session, "group": 2,
        "keywords": ["x"], "why": "y", "next_step": "z", "area": "full_time_culture"})
    assert again.status_code == 409

    leader = steps.party("leader", unit_ids=(unit,))
    items = (await leader.get(f"/units/{unit}/items")).json()
    by_text = {i["text"]: i for i in items}
    assert by_text["Vi får vaktlista for sent"]["source"] == "anonymous"
    assert by_text["Vi får vaktlista for sent"]["submitted_by"] is None
    assert (by_text["Faste team på kveld"]["source"], by_text["Faste team på kveld"]["submitted_by"]) == (
        "staff", "person-staff-1")
    dialogue = by_text["Prøve lange vakter annenhver helg"]
    assert (dialogue["source"], dialogue["session_id"], dialogue["dialogue_group"]) == ("dialogue", session, 2)
    assert dialogue["keywords"] == ["forutsigbarhet", "heltid"]

    # An item not yet prioritised cannot become a measure.
    early = await leader.post(f"/units/{unit}/items/{dialogue['id']}/measure", json={"title": "t", "goal": "g"})
    assert early.status_code == 409
    ranked = await union.put(f"/units/{unit}/items/{dialogue['id']}/priority", json={"rank": 1})
    assert ranked.status_code == 200, ranked.text
    assert (ranked.json()["status"], ranked.json()["prioritised_as"]) == ("prioritised", "union_representative")
    aside = await leader.put(f"/units/{unit}/items/{by_text['Faste team på kveld']['id']}/priority",
                             json={"set_aside": True, "reason": "Tas i turnusgruppa"})
    assert aside.json()["status"] == "set_aside"
    coordinator = steps.caller(steps.client, "kari", roles=["network_coordinator"], networks=[steps.network_id])
    assert (await coordinator.put(f"/units/{unit}/items/{dialogue['id']}/priority", json={"rank": 2})).status_code == 403
    listed = (await leader.get(f"/units/{unit}/items")).json()
    assert listed[0]["id"] == dialogue["id"]
    assert [i["id"] for i in (await leader.get(f"/units/{unit}/items", params={"status": "open"})).json()] == [
        by_text["Vi får vaktlista for sent"]["id"]]

    made = await leader.post(f"/units/{unit}/items/{dialogue['id']}/measure", json={
        "title": "Lange vakter annenhver helg", "goal": "Flere hele stillinger", "indicators": []})
    assert made.status_code == 201, made.text
    measure = made.json()
    assert (measure["source_item_id"], measure["session_id"], measure["dialogue_group"]) == (dialogue["id"], session, 2)
    assert (measure["unit_ids"], measure["area"], measure["status"]) == ([unit], "full_time_culture", "proposed")
    assert measure["proposed_by"] == "person-leder"
    twice = await leader.post(f"/units/{unit}/items/{dialogue['id']}/measure", json={"title": "t", "goal": "g"})
    assert (twice.status_code, twice.json()["measure_id"]) == (409, measure["id"])
    item = {i["id"]: i for i in (await leader.get(f"/units/{unit}/items")).json()}[dialogue["id"]]
    assert (item["status"], item["measure_id"]) == ("proposed", measure["id"])

    async def proposed():
        events = await measure_events.of(measure["id"])
        return [data for kind, data in events if kind == "MeasureProposed"]

    [event] = await wait_until(proposed)
    assert (event["source_item_id"], event["session_id"], event["dialogue_group"]) == (dialogue["id"], session, 2)
    results = (await leader.get(f"/units/{unit}/dialogue-results", params={"session_id": session})).json()
    assert [(r["group"], r["item_id"]) for r in results] == [(2, dialogue["id"])]


async def test_a_new_link_replaces_the_old_and_a_link_is_rate_limited(steps, unit):
    old = await new_link(steps, unit)
    token = await new_link(steps, unit)
    anonymous = steps.caller(steps.client, token=None)
    body = {"text": "Mer tid til opplæring", "area": "competence_development"}
    assert (await anonymous.post(f"/input/{old}", json=body)).status_code == 404
    assert (await anonymous.post(f"/input/{'x' * 32}", json=body)).status_code == 404
    answers = [(await anonymous.post(f"/input/{token}", json=body)).status_code for _ in range(40)]
    accepted = answers.count(201)
    assert 429 in answers and accepted >= 1
    leader = steps.party("leader", unit_ids=(unit,))
    assert len((await leader.get(f"/units/{unit}/items")).json()) == accepted


async def test_a_units_items_are_for_its_own_parties_and_coordinators(steps, unit):
    await new_link(steps, unit)
    elsewhere = steps.party("union_representative", organisation_id="org-annen")
    assert (await elsewhere.get(f"/units/{unit}/items")).status_code == 404
    other_unit = steps.party("leader", unit_ids=("unit-other",))
    assert (await other_unit.get(f"/units/{unit}/items")).status_code == 404
    coordinator = steps.caller(steps.client, "kari", roles=["network_coordinator"], networks=[steps.network_id])
    assert (await coordinator.get(f"/units/{unit}/items")).status_code == 200
    staff = steps.caller(steps.client, "staff-2", roles=["participant"], organisations=["org-oppdal"],
                         units=[unit], person_id="person-staff-2")
    added = await staff.post(f"/units/{unit}/items", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "text": "Bedre overlapp",
        "area": "preventive_work_environment"})
    assert added.status_code == 201, added.text
    assert added.json()["submitted_by"] == "person-staff-2"
    assert (await staff.get(f"/units/{unit}/items")).status_code == 403
    assert (await staff.post(f"/units/{unit}/items", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "text": "x", "area": "culture_and_values",
        "submitted_by": "someone"})).status_code == 422
