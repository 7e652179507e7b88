"""Effects per unit, and lists of measures filtered by tenancy and state."""

from __future__ import annotations

import uuid


async def test_a_units_effects_show_how_each_indicator_moved_across_follow_ups(steps):
    unit = f"unit-{uuid.uuid4().hex[:6]}"
    measure = await steps.adopted(unit_ids=(unit,), adopted_days_ago=120, indicators=[
        steps.sick_leave(baseline=9.5, target=7.0),
        {"kind": "turnover_percent", "baseline": 12.0, "baseline_date": steps.days_ago(130), "target": 9.0}])
    sick_leave, turnover = (i["id"] for i in measure["indicators"])
    for days_ago, sick, turn in ((90, 9.1, 12.5), (30, 7.8, 13.0)):
        response = await steps.follow_up(measure["id"], held_on=steps.days_ago(days_ago), readings=[
            {"indicator_id": sick_leave, "value": sick}, {"indicator_id": turnover, "value": turn}])
        assert response.status_code == 201, response.text
    await steps.propose(unit_ids=(unit,), indicators=[])

    response = await steps.client.get(f"/units/{unit}/effects", params={"network_id": steps.network_id})
    assert response.status_code == 200
    effects = response.json()
    assert effects["unit_id"] == unit
    followed, proposed = effects["measures"]
    assert (followed["status"], followed["follow_up_count"], proposed["status"]) == ("in_practice", 2, "proposed")
    by_kind = {i["indicator"]["kind"]: i for i in followed["indicators"]}
    sick = by_kind["sick_leave_percent"]
    assert [r["value"] for r in sick["series"]] == [9.1, 7.8]
    assert (sick["trend"], sick["change"], sick["target_reached"]) == ("improving", -1.7, False)
    assert (by_kind["turnover_percent"]["trend"], by_kind["turnover_percent"]["change"]) == ("worsening", 1.0)


async def test_measures_are_listed_per_network_organisation_unit_area_and_status(steps):
    first = await steps.adopted(organisation_id="org-a", unit_ids=("unit-a1",))
    second = await steps.propose(organisation_id="org-b", unit_ids=("unit-b1", "unit-a1"), area="culture_and_values")

    async def listed(**params) -> list[str]:
        response = await steps.client.get("/measures", params={"network_id": steps.network_id, **params})
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()]

    assert await listed() == [first["id"], second["id"]]
    assert await listed(organisation_id="org-b") == [second["id"]]
    assert await listed(unit_id="unit-a1") == [first["id"], second["id"]]
    assert await listed(area="culture_and_values") == [second["id"]]
    assert await listed(status="adopted") == [first["id"]]
    assert await listed(limit=1, offset=1) == [second["id"]]
    assert await listed(overdue="false") == [first["id"], second["id"]]
    assert await listed(overdue="true") == []
    assert (await steps.client.get("/measures", params={"network_id": "net-nobody"})).json() == []


async def test_a_page_holds_at_most_200_measures(steps):
    response = await steps.client.get("/measures", params={"limit": 201})
    assert response.status_code == 422
