"""Indicators have a unit, a baseline with its date, a target and a direction; values are checked."""

from __future__ import annotations


async def test_an_indicator_gets_its_unit_and_direction_from_its_kind(steps):
    measure = await steps.propose(indicators=[])
    response = await steps.client.post(f"/measures/{measure['id']}/indicators", json={
        "kind": "full_time_share_percent", "baseline": 38.0, "baseline_date": steps.days_ago(10), "target": 50.0})
    assert response.status_code == 201, response.text
    indicator = response.json()
    assert (indicator["unit"], indicator["better"]) == ("%", "up")
    assert (indicator["scale_min"], indicator["scale_max"]) == (0, 100)
    listed = (await steps.client.get(f"/measures/{measure['id']}/indicators")).json()
    assert [i["id"] for i in listed] == [indicator["id"]]


async def test_a_percentage_above_100_or_below_0_is_refused(steps):
    measure = await steps.propose(indicators=[])
    for baseline, target in ((120.0, 90.0), (-1.0, 5.0)):
        response = await steps.client.post(f"/measures/{measure['id']}/indicators", json={
            "kind": "turnover_percent", "baseline": baseline, "baseline_date": steps.days_ago(10), "target": target})
        assert response.status_code == 422, response.text
        assert "between 0 and 100" in response.json()["detail"]
    assert (await steps.measure(measure["id"]))["indicators"] == []


async def test_a_proposal_with_an_invalid_indicator_is_refused_as_a_whole(steps):
    response = await steps.client.post("/measures", json={
        "network_id": steps.network_id, "organisation_id": "org-1", "unit_ids": ["unit-1"], "title": "Heltid",
        "area": "full_time_culture", "goal": "Flere hele stillinger",
        "indicators": [{"kind": "full_time_share_percent", "baseline": 140, "baseline_date": steps.days_ago(1),
                        "target": 150}]})
    assert response.status_code == 422
    listed = (await steps.client.get("/measures", params={"network_id": steps.network_id})).json()
    assert listed == []


async def test_a_baseline_dated_in_the_future_is_refused(steps):
    measure = await steps.propose(indicators=[])
    response = await steps.client.post(f"/measures/{measure['id']}/indicators", json={
        "kind": "sick_leave_percent", "baseline": 9.0, "baseline_date": steps.days_ago(-2), "target": 7.0})
    assert response.status_code == 422
    assert "in the future" in response.json()["detail"]


async def test_a_target_that_would_be_a_worsening_is_refused(steps):
    measure = await steps.propose(indicators=[])
    response = await steps.client.post(f"/measures/{measure['id']}/indicators", json={
        "kind": "sick_leave_percent", "baseline": 9.0, "baseline_date": steps.days_ago(3), "target": 10.0})
    assert response.status_code == 422
    assert "below the baseline" in response.json()["detail"]


async def test_a_custom_indicator_must_name_its_unit_and_better_direction(steps):
    measure = await steps.propose(indicators=[])
    url = f"/measures/{measure['id']}/indicators"
    base = {"kind": "custom", "baseline": 14, "baseline_date": steps.days_ago(3), "target": 6}
    refused = await steps.client.post(url, json=base)
    assert refused.status_code == 422
    assert refused.json()["missing_fields"] == ["name", "unit", "better"]
    accepted = await steps.client.post(url, json=base | {"name": "Avvik per måned", "unit": "avvik", "better": "down"})
    assert accepted.status_code == 201, accepted.text


async def test_a_follow_up_with_a_reading_outside_its_scale_is_refused_and_records_nothing(steps, measure_events):
    measure = await steps.adopted()
    indicator_id = measure["indicators"][0]["id"]
    response = await steps.follow_up(measure["id"], readings=[{"indicator_id": indicator_id, "value": 101.0}])
    assert response.status_code == 422
    assert "between 0 and 100" in response.json()["detail"]
    assert (await steps.client.get(f"/measures/{measure['id']}/follow-ups")).json() == []
    assert "MeasureFollowedUp" not in await measure_events.types_of(measure["id"])


async def test_a_reading_of_an_unknown_indicator_or_a_follow_up_in_the_future_is_refused(steps):
    measure = await steps.adopted()
    unknown = await steps.follow_up(measure["id"], readings=[{"indicator_id": "no-such-indicator", "value": 5.0}])
    assert unknown.status_code == 422
    future = await steps.follow_up(measure["id"], held_on=steps.days_ago(-1))
    assert future.status_code == 422
    assert "in the future" in future.json()["detail"]


async def test_values_that_are_not_finite_numbers_are_refused(steps):
    measure = await steps.propose(indicators=[])
    response = await steps.client.post(
        f"/measures/{measure['id']}/indicators",
        content=b'{"kind": "sick_leave_percent", "baseline": NaN, "baseline_date": "2026-01-01", "target": 7}',
        headers={"content-type": "application/json"})
    assert response.status_code == 422
