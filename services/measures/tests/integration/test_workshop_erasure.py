"""An erasure reaches what the workshop parts keep: items, readings, plans and competences name a pseudonym."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from samla_shared.contract.enrollment import ParticipantErased


async def test_an_erased_person_is_replaced_by_a_pseudonym_in_items_readings_and_plans(steps, produce, wait_until):
    unit = f"unit-{uuid.uuid4().hex[:6]}"
    person = f"person-{uuid.uuid4().hex[:8]}"
    staff = steps.caller(steps.client, "staff", roles=["participant"], organisations=["org-oppdal"], units=[unit],
                         person_id=person)
    added = await staff.post(f"/units/{unit}/items", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "text": "Mer opplæring i forflytning",
        "area": "competence_development"})
    assert added.status_code == 201, added.text
    leader = steps.caller(steps.client, "leder", roles=["organisation_leader"], organisations=["org-oppdal"],
                          units=[unit], person_id=person)
    month = f"{steps.today.year:04d}-{steps.today.month:02d}"
    assert (await leader.put(f"/units/{unit}/series/turnover_percent/readings", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "period": month, "value": 14.0,
    })).status_code == 200
    plan = await leader.post("/plans", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "title": "Lavere turnover",
        "kind": "turnover_percent", "unit_ids": [unit], "start_value": 14, "target_value": 10,
        "target_date": "2028-12-31"})
    assert plan.status_code == 201, plan.text
    before = (await steps.client.get(f"/people/{person}/data")).json()
    assert before["unit_input"] and before["unit_series"] and before["plans"]

    erasure_id = uuid.uuid4().hex[:12]

    async def erased():
        await produce(ParticipantErased(network_id=steps.network_id, participant_id=person, erasure_id=erasure_id,
                                        erased_at=datetime.now(UTC)))
        found = (await steps.client.get(f"/people/{person}/data")).json()
        return found if not (found["unit_input"] or found["unit_series"] or found["plans"]) else None

    await wait_until(erased, interval=1.0)
    alias = f"erased:{erasure_id}"
    [item] = (await steps.client.get(f"/units/{unit}/items")).json()
    assert item["submitted_by"] == alias
    shown = (await steps.client.get(f"/plans/{plan.json()['id']}")).json()
    assert (shown["owner_ids"], shown["created_by"]) == ([alias], alias)
