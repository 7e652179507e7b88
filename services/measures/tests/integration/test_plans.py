"""Progress plans: a goal on the units' own series, milestones, measures under it, overdue milestones announced."""

from __future__ import annotations

import uuid
from datetime import timedelta


def month(day) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def test_a_plan_shows_progress_and_announces_an_overdue_milestone_once(steps, app, clock, measure_events,
                                                                              wait_until):
    units = [f"unit-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    leader = steps.party("leader")
    for unit, value in zip(units, (42.0, 44.0)):
        response = await leader.put(f"/units/{unit}/series/full_time_share_percent/readings", json={
            "network_id": steps.network_id, "organisation_id": "org-oppdal", "period": month(steps.today),
            "value": value})
        assert response.status_code == 200, response.text
    soon = steps.today + timedelta(days=2)
    created = await leader.post("/plans", json={
        "network_id": steps.network_id, "organisation_id": "org-oppdal", "title": "Heltidskultur",
        "kind": "full_time_share_percent", "unit_ids": units, "start_value": 40, "target_value": 60,
        "target_date": "2028-12-31", "milestones": [{"due_on": "2028-06-30", "value": 55},
                                                    {"due_on": soon.isoformat(), "value": 50}]})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert (plan["current_value"], plan["progress_percent"], plan["better"]) == (43.0, 15.0, "up")
    assert plan["owner_ids"] == ["person-leder"]
    first, later = plan["milestones"]
    assert (first["due_on"], first["overdue"], later["due_on"]) == (soon.isoformat(), False, "2028-06-30")

    measure = await steps.adopted(area="full_time_culture", indicators=[])
    added = await leader.post(f"/plans/{plan['id']}/measures", json={"measure_id": measure["id"]})
    assert added.status_code == 200, added.text
    assert [(m["id"], m["status"]) for m in added.json()["measures"]] == [(measure["id"], "adopted")]

    watch = app.state.overdue_watch
    assert await watch.scan_plans() == []
    clock.advance(days=5)
    assert await watch.scan_plans() == [first["id"]]
    assert await watch.scan_plans() == []  # once per milestone

    async def announced():
        return [data for kind, data in await measure_events.of(plan["id"]) if kind == "MilestoneOverdue"]

    [event] = await wait_until(announced)
    assert (event["milestone_id"], event["due_on"], event["target_value"], event["current_value"]) == (
        first["id"], soon.isoformat(), 50.0, 43.0)
    assert (event["owner_ids"], event["organisation_id"], event["kind"]) == (
        ["person-leder"], "org-oppdal", "full_time_share_percent")
    shown = (await steps.party("safety_representative").get(f"/plans/{plan['id']}")).json()
    assert (shown["milestones"][0]["overdue"], shown["milestones"][0]["announced"]) == (True, True)
    listed = await steps.party("union_representative").get("/plans", params={"organisation_id": "org-oppdal"})
    assert plan["id"] in [p["id"] for p in listed.json()]
    assert (await steps.party("leader", organisation_id="org-annen").get(f"/plans/{plan['id']}")).status_code == 404


async def test_a_plans_goal_and_milestones_are_checked(steps):
    leader = steps.party("leader")
    body = {"network_id": steps.network_id, "organisation_id": "org-oppdal", "title": "Sykefravær ned",
            "kind": "sick_leave_percent", "unit_ids": ["unit-a"], "start_value": 9, "target_value": 6,
            "target_date": "2028-12-31"}
    assert (await leader.post("/plans", json=body | {"target_date": steps.days_ago(1)})).status_code == 422
    assert (await leader.post("/plans", json=body | {"target_value": 9})).status_code == 422
    assert (await leader.post("/plans", json=body | {"milestones": [
        {"due_on": "2027-06-30", "value": 7}, {"due_on": "2027-12-31", "value": 8}]})).status_code == 422
    assert (await leader.post("/plans", json=body | {"milestones": [
        {"due_on": "2029-06-30", "value": 7}]})).status_code == 422
    assert (await leader.post("/plans", json=body | {"created_by": "x"})).status_code == 422
    ok = await leader.post("/plans", json=body | {"milestones": [{"due_on": "2027-06-30", "value": 8}]})
    assert ok.status_code == 201, ok.text
    assert (ok.json()["better"], ok.json()["current_value"], ok.json()["units_reporting"]) == ("down", None, 0)
