"""Follow-ups record readings and reflections; evaluation and discontinuation close a measure."""

from __future__ import annotations

from datetime import date, timedelta


async def test_a_follow_up_records_readings_and_reflections_and_publishes_them(steps, measure_events, wait_until):
    measure = await steps.adopted()
    indicator_id = measure["indicators"][0]["id"]
    response = await steps.follow_up(measure["id"], readings=[{"indicator_id": indicator_id, "value": 8.1}],
                                     worked="Leder ringte dag én", did_not_work="Vanskelig i helgene")
    assert response.status_code == 201, response.text
    follow_up = response.json()
    assert follow_up["next_follow_up_due"] == (steps.today + timedelta(weeks=8)).isoformat()

    shown = await steps.measure(measure["id"])
    assert (shown["status"], shown["follow_up_count"]) == ("in_practice", 1)
    assert shown["next_follow_up_due"] == follow_up["next_follow_up_due"]
    listed = (await steps.client.get(f"/measures/{measure['id']}/follow-ups")).json()
    assert [(f["worked"], f["did_not_work"]) for f in listed] == [("Leder ringte dag én", "Vanskelig i helgene")]

    async def followed_up():
        return [data for kind, data in await measure_events.of(measure["id"]) if kind == "MeasureFollowedUp"]

    [event] = await wait_until(followed_up)
    assert event["readings"] == [{"indicator_id": indicator_id, "value": 8.1}]
    assert event["indicators"] == [{"indicator_id": indicator_id, "kind": "sick_leave_percent", "unit": "%",
                                    "baseline": 9.5, "better": "down"}]
    assert (event["in_practice"], event["next_follow_up_due"]) == (True, follow_up["next_follow_up_due"])


async def test_the_first_follow_up_can_come_a_couple_of_months_after_adoption(steps):
    measure = await steps.adopted(first_follow_up_after_weeks=10, follow_up_every_weeks=6)
    assert date.fromisoformat(measure["next_follow_up_due"]) == date.fromisoformat(measure["adopted_on"]) + timedelta(
        weeks=10)
    follow_up = (await steps.follow_up(measure["id"])).json()
    assert follow_up["next_follow_up_due"] == (steps.today + timedelta(weeks=6)).isoformat()


async def test_a_measure_reported_as_not_in_practice_goes_back_to_adopted_with_the_reason(steps):
    measure = await steps.propose()
    await steps.agree(measure["id"])
    assert (await steps.adopt(measure["id"], adopted_on=steps.days_ago(60))).status_code == 200
    assert (await steps.follow_up(measure["id"], held_on=steps.days_ago(20))).status_code == 201
    stopped = await steps.follow_up(measure["id"], in_practice=False, did_not_work="Ingen tid i turnusen")
    assert stopped.status_code == 201
    shown = await steps.measure(measure["id"])
    assert shown["status"] == "adopted"
    assert [h["status"] for h in shown["history"]] == ["proposed", "adopted", "in_practice", "adopted"]
    assert "not in practice" in shown["history"][-1]["reason"]


async def test_no_follow_up_is_recorded_before_the_measure_is_adopted(steps):
    measure = await steps.propose()
    assert (await steps.follow_up(measure["id"])).status_code == 409


async def test_evaluation_closes_the_measure_with_each_indicators_change_from_baseline(
        steps, measure_events, wait_until):
    measure = await steps.adopted(adopted_days_ago=60, indicators=[steps.sick_leave(baseline=9.5, target=7.0),
                                              {"kind": "full_time_share_percent", "baseline": 40.0,
                                               "baseline_date": steps.days_ago(30), "target": 55.0}])
    sick_leave, full_time = (i["id"] for i in measure["indicators"])
    recorded = await steps.follow_up(measure["id"], held_on=steps.days_ago(10), readings=[
        {"indicator_id": sick_leave, "value": 8.0}, {"indicator_id": full_time, "value": 44}])
    assert recorded.status_code == 201, recorded.text
    response = await steps.client.post(f"/measures/{measure['id']}/evaluation", json={
        "summary": "Tiltaket virket; videreføres som rutine",
        "final_readings": [{"indicator_id": sick_leave, "value": 7.25}]})
    assert response.status_code == 200, response.text
    evaluated = response.json()
    assert evaluated["status"] == "evaluated"
    changes = {c["indicator_id"]: c for c in evaluated["evaluation"]["indicator_changes"]}
    assert (changes[sick_leave]["latest"], changes[sick_leave]["change"]) == (7.25, -2.25)
    assert (changes[full_time]["latest"], changes[full_time]["change"]) == (44.0, 4.0)

    assert (await steps.follow_up(measure["id"])).status_code == 409

    async def evaluated_event():
        return [data for kind, data in await measure_events.of(measure["id"]) if kind == "MeasureEvaluated"]

    [event] = await wait_until(evaluated_event)
    assert {c["indicator_id"]: c["change"] for c in event["indicator_changes"]} == {sick_leave: -2.25, full_time: 4.0}
    assert {i["indicator_id"]: i["better"] for i in event["indicators"]} == {sick_leave: "down", full_time: "up"}


async def test_a_discontinued_measure_keeps_its_reason_and_takes_no_more_follow_ups(steps, measure_events, wait_until):
    measure = await steps.adopted()
    missing_reason = await steps.client.post(f"/measures/{measure['id']}/discontinuation", json={})
    assert missing_reason.status_code == 422
    response = await steps.client.post(f"/measures/{measure['id']}/discontinuation",
                                       json={"reason": "Enheten ble slått sammen med en annen"})
    assert response.status_code == 200, response.text
    stopped = response.json()
    assert stopped["status"] == "discontinued"
    assert stopped["history"][-1]["reason"] == "Enheten ble slått sammen med en annen"
    assert (await steps.follow_up(measure["id"])).status_code == 409
    again = await steps.client.post(f"/measures/{measure['id']}/discontinuation", json={"reason": "igjen"})
    assert again.status_code == 409

    async def discontinued():
        return "MeasureDiscontinued" in await measure_events.types_of(measure["id"])

    await wait_until(discontinued)


async def test_unknown_measures_get_a_404_problem(steps):
    for response in (await steps.client.get("/measures/nope"),
                     await steps.client.post("/measures/nope/adoption", json={}),
                     await steps.client.post("/measures/nope/follow-ups", json={"held_on": "2026-01-01",
                                                                                   "in_practice": True})):
        assert response.status_code == 404
        assert response.json()["title"] == "Not found"


async def test_unknown_fields_are_refused(steps):
    measure = await steps.propose()
    response = await steps.party("leader").post(f"/measures/{measure['id']}/consents",
                                                json={"role": "leader", "signature": "x"})
    assert response.status_code == 422
    assert "body.signature" in {e["location"] for e in response.json()["errors"]}
