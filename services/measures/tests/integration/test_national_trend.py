"""The national view shows each region's trend across its units' own series, from replicated events."""

from __future__ import annotations

import uuid

from pymongo import AsyncMongoClient

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.measures import PeriodReading, SeriesKind, UnitIndicatorRecorded
from samla_shared.messaging.consumer import Delivery
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.national_store import NationalStore
from samla_measures.service_layer.national_view import NationalView


def recorded(unit: str, version: int, values: list[float]) -> UnitIndicatorRecorded:
    return UnitIndicatorRecorded(
        network_id="net-nord", organisation_id="org-unn", unit_id=unit, kind=SeriesKind.TURNOVER_PERCENT,
        series_version=version,
        readings=[PeriodReading(period=f"2026-{m + 1:02d}", value=v) for m, v in enumerate(values)])


async def test_the_national_overview_shows_each_regions_trend_across_units(mongo_url):
    client = AsyncMongoClient(mongo_url, tz_aware=True)
    database = f"test_national_trend_{uuid.uuid4().hex[:8]}"
    view = NationalView(NationalStore(client[database]), DocumentLocks())
    topic = "helse-nord.samla.measures.v1"
    try:
        applied = []
        for offset, event in enumerate([recorded("u-1", 1, [12.0]), recorded("u-1", 2, [12.0, 10.0]),
                                        recorded("u-2", 1, [8.0, 9.0])]):
            cloud = CloudEvent(data=event, source="/samla/helse-nord/measures")
            applied.append(await view.apply(cloud, Delivery(topic, 0, offset)))
        # MirrorMaker copied the first record again after an outage: it changes nothing.
        again = CloudEvent(data=recorded("u-1", 1, [12.0]), source="/samla/helse-nord/measures")
        await view.apply(again, Delivery(topic, 0, 0))
        assert applied == [True, True, True]

        [trend] = (await view.overview())["trends"]
        assert (trend["region"], trend["kind"], trend["units"]) == ("helse-nord", "turnover_percent", 2)
        assert [(p["period"], p["mean"], p["units_reporting"]) for p in trend["periods"]] == [
            ("2026-01", 10.0, 2), ("2026-02", 9.5, 2)]
        assert (trend["units_improving"], trend["units_worsening"], trend["average_change"]) == (1, 1, -0.5)
    finally:
        await client.drop_database(database)
        await client.close()
