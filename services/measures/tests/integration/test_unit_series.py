"""A unit's own indicator series: readings per month, measures marked on them, and the trend across units."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date


def months_back(today: date, count: int) -> list[str]:
    """The `count` months up to this one, oldest first, as YYYY-MM."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


async def record(client, unit, kind, period, value, network_id, organisation_id="org-oppdal"):
    return await client.put(f"/units/{unit}/series/{kind}/readings", json={
        "network_id": network_id, "organisation_id": organisation_id, "period": period, "value": value})


async def test_a_units_baseline_series_shows_its_two_measures_in_the_effects_view(steps):
    unit = f"unit-{uuid.uuid4().hex[:6]}"
    leader = steps.party("leader", unit_ids=(unit,))
    months = months_back(steps.today, 6)
    for period, value in zip(months, (10.0, 9.8, 9.5, 9.0, 8.2, 7.9)):
        response = await record(leader, unit, "sick_leave_percent", period, value, steps.network_id)
        assert response.status_code == 200, response.text
    safety = steps.party("safety_representative", unit_ids=(unit,))
    response = await record(safety, unit, "full_time_share_percent", months[-1], 41.0, steps.network_id)
    assert response.status_code == 200, response.text
    # A correction replaces the month's value; the series keeps one value per month.
    corrected = await record(leader, unit, "sick_leave_percent", months[-1], 7.7, steps.network_id)
    assert [r["value"] for r in corrected.json()["readings"]] == [10.0, 9.8, 9.5, 9.0, 8.2, 7.7]
    assert corrected.json()["baseline"] == {"period": months[0], "value": 10.0}

    linked = await steps.adopted(unit_ids=(unit,), adopted_days_ago=100, indicators=[
        steps.sick_leave() | {"series_kind": "sick_leave_percent"}])
    other = await steps.propose(unit_ids=(unit,), area="full_time_culture", indicators=[])

    response = await leader.get(f"/units/{unit}/effects")
    assert response.status_code == 200, response.text
    series = {s["kind"]: s for s in response.json()["series"]}
    assert set(series) == {"sick_leave_percent", "full_time_share_percent"}
    sick = series["sick_leave_percent"]
    assert [r["value"] for r in sick["readings"]] == [10.0, 9.8, 9.5, 9.0, 8.2, 7.7]
    assert sick["readings"][0]["on"] == f"{months[0]}-01"
    marks = {m["measure_id"]: m for m in sick["measures"]}
    assert set(marks) == {linked["id"], other["id"]}
    assert (marks[linked["id"]]["linked"], marks[linked["id"]]["adopted_on"]) == (True, steps.days_ago(100))
    assert (marks[other["id"]]["linked"], marks[other["id"]]["status"]) == (False, "proposed")
    assert [m["linked"] for m in series["full_time_share_percent"]["measures"]] == [False, False]

    listed = await (steps.party("union_representative", unit_ids=(unit,))).get(f"/units/{unit}/series")
    assert [s["kind"] for s in listed.json()] == ["sick_leave_percent", "full_time_share_percent"]


async def test_readings_are_checked_and_only_the_units_parties_and_coordinators_record_them(steps):
    unit = f"unit-{uuid.uuid4().hex[:6]}"
    leader = steps.party("leader", unit_ids=(unit,))
    this_month = months_back(steps.today, 1)[0]
    future = f"{steps.today.year + 1}-01"
    for period, value in ((future, 5.0), ("2025-13", 5.0), (this_month, 101.0)):
        response = await record(leader, unit, "turnover_percent", period, value, steps.network_id)
        assert response.status_code == 422, response.text
    assert (await leader.get(f"/units/{unit}/series")).json() == []
    other_unit = steps.party("leader", unit_ids=("unit-elsewhere",))
    response = await record(other_unit, unit, "turnover_percent", this_month, 5.0, steps.network_id)
    assert response.status_code == 404
    participant = steps.caller(steps.client, "staff", roles=["participant"], organisations=["org-oppdal"])
    response = await record(participant, unit, "turnover_percent", this_month, 5.0, steps.network_id)
    assert response.status_code == 403
    await record(leader, unit, "turnover_percent", this_month, 12.0, steps.network_id)
    # The series stays in the organisation it was first recorded for.
    moved = await record(steps.client, unit, "turnover_percent", this_month, 12.0, steps.network_id, "org-other")
    assert moved.status_code == 422


async def test_the_network_insight_shows_each_indicators_trend_across_units(steps, wait_until):
    months = months_back(steps.today, 3)
    units = {f"unit-{uuid.uuid4().hex[:6]}": values for values in ((10.0, 9.0, 8.0), (6.0, 6.5, 7.0), (5.0, 5.0, 5.0))}
    for unit, values in units.items():
        for period, value in zip(months, values):
            response = await record(steps.client, unit, "sick_leave_percent", period, value, steps.network_id)
            assert response.status_code == 200, response.text

    async def trend():
        # Re-recording a reading publishes the series again: the projection's consumer may join the
        # topic after the first events of a fresh service instance (it starts from the latest offset).
        last_unit = list(units)[-1]
        await record(steps.client, last_unit, "sick_leave_percent", months[-1], 5.0, steps.network_id)
        trends = (await steps.insight())["trends"]
        # Every unit's copy is complete once each of the three months has all three units.
        complete = trends and [p["units_reporting"] for p in trends[0]["periods"]] == [3, 3, 3]
        return trends if complete else None

    [sick] = await wait_until(trend, timeout=90, interval=1.0)
    assert sick["kind"] == "sick_leave_percent"
    assert [p["mean"] for p in sick["periods"]] == [7.0, 6.8333, 6.6667]
    assert [p["units_reporting"] for p in sick["periods"]] == [3, 3, 3]
    assert (sick["units_improving"], sick["units_worsening"], sick["units_unchanged"]) == (1, 1, 1)
    assert sick["average_change"] == round((-2.0 + 1.0 + 0.0) / 3, 4)


async def test_two_instances_projecting_one_networks_trend_at_once_keep_every_unit(mongo_url):
    """Two instances (each its own process locks) share the consumer group: units of one network and kind reach
    both at once. The trend document's lease lets one write at a time, so no unit's copy is overwritten."""
    from datetime import UTC, datetime

    from pymongo import AsyncMongoClient

    from samla_shared.contract.cloudevents import CloudEvent
    from samla_shared.contract.measures import PeriodReading, SeriesKind, UnitIndicatorRecorded
    from samla_shared.persistence.document_locks import DocumentLocks
    from samla_measures.adapters.documents import versioned_records
    from samla_measures.adapters.series_store import SERIES_RECORDS
    from samla_measures.adapters.trend_store import TrendStore
    from samla_measures.service_layer.series import SERIES, UnitSeries

    client = AsyncMongoClient(mongo_url, tz_aware=True)
    database = f"test_trend_lease_{uuid.uuid4().hex[:8]}"
    try:
        db = client[database]
        series = versioned_records(db, SERIES, "/samla/test/measures", SERIES_RECORDS)
        instances = [UnitSeries(series, TrendStore(db), DocumentLocks(), lambda: datetime.now(UTC))
                     for _ in range(2)]
        units = [f"unit-{n:02d}" for n in range(12)]

        def recorded(unit: str) -> CloudEvent:
            return CloudEvent(source="/samla/test/measures", data=UnitIndicatorRecorded(
                network_id="net-lease", organisation_id="org-lease", unit_id=unit, kind=SeriesKind.SICK_LEAVE_PERCENT,
                series_version=1, readings=[PeriodReading(period="2026-01", value=5.0)]))

        await asyncio.gather(*(instances[n % 2].on_recorded(recorded(unit)) for n, unit in enumerate(units)))

        [trend] = await instances[0].network_trends("net-lease")
        assert trend["units"] == len(units)
        assert [(p["period"], p["units_reporting"]) for p in trend["periods"]] == [("2026-01", len(units))]
    finally:
        await client.drop_database(database)
        await client.close()
