"""Measures: the network trend across 200 units with 24 monthly readings each, against reading the raw readings with one query.

Setup: one network, 200 units (in 20 organisations), each with 24 monthly sick-leave
readings recorded through the service layer (UnitSeries.record: the same rules, document
and UnitIndicatorRecorded event as PUT /units/{id}/series/{kind}/readings). The events each
unit's series staged are handed, in staging order and as the CloudEvents the relay would
publish, to the trend projection (UnitSeries.on_recorded, the code its Kafka consumer
calls), which keeps the network's copy of every unit's series in one document per kind.
The app runs without relay and consumers, as in the insight benchmark.

Read: the trend across units (UnitSeries.network_trends: one `_id` lookup per kind, then the
mean per month and each unit's first-vs-latest movement), one after another, alternating
with the baseline: the same 4,800 readings stored one document per reading, as a design
without the projection would keep them, read with one `find({network_id, kind})`. p50/p99
of each and the ratio of the p50s. A context figure adds the baseline's own computation of
the same trend from the raw documents (what that design must do on every read). The run
checks that the trend is exact: 200 units, 24 months, and the mean of each month.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from harness import BenchContext, Figure, latency_figures, percentile
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.measures import SeriesKind
from samla_shared.contract.registry import event_class
from samla_shared.messaging.outbox import pending_entries
from samla_measures.domain import series as rules
from samla_measures.entrypoints.app import create_app
from samla_measures.service_layer.series import SERIES
from samla_measures.settings import MeasuresSettings

NAME = "measures_trend"
UNITS = 200
ORGANISATIONS = 20
MONTHS = 24
READS = 300
SEED_CONCURRENCY = 4
SEEDER = "person-bench-seeder"


def months_back(year: int, month: int, count: int) -> list[str]:
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def value_of(unit: int, month: int) -> float:
    """A unit's sick leave drifts down slowly from a level of its own, with a small wobble."""
    return round(6.0 + unit % 7 - 0.05 * month + (0.3 if (unit + month) % 3 == 0 else 0.0), 2)


def as_cloud_event(entry: dict[str, Any]) -> CloudEvent:
    model = event_class(entry["type"])
    assert model is not None
    return CloudEvent(data=model.model_validate(entry["data"]), source=entry["source"], id=entry["id"],
                      time=entry["time"])


async def run(ctx: BenchContext) -> list[Figure]:
    units, months_count = ctx.scaled(UNITS), MONTHS
    run_id = uuid.uuid4().hex[:8]
    database, network_id = f"bench_trend_{run_id}", f"net-bench-{run_id}"
    settings = MeasuresSettings(kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
                                consumer_group=f"bench-trend-{run_id}", environment="test", log_level="WARNING",
                                run_relay=False, run_consumers=False, overdue_scan_interval_seconds=86_400)
    app = create_app(settings)
    series = app.state.series
    mongo = AsyncMongoClient(ctx.mongo_url, tz_aware=True)
    raw = mongo[database].bench_raw_readings
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
            today = series.clock()
            months = months_back(today.year, today.month, months_count)
            kind = SeriesKind.SICK_LEAVE_PERCENT

            # -- seed: readings through the service layer, their events through the projection --
            queue: asyncio.Queue[int] = asyncio.Queue()
            for u in range(units):
                queue.put_nowait(u)
            events = 0

            async def seeder() -> None:
                nonlocal events
                while not queue.empty():
                    u = queue.get_nowait()
                    unit_id, organisation_id = f"unit-{u}", f"org-{u % ORGANISATIONS}"
                    for m, period in enumerate(months):
                        await series.record(unit_id=unit_id, kind=kind, network_id=network_id,
                                            organisation_id=organisation_id, period=period,
                                            value=value_of(u, m), by=SEEDER)
                    doc = await mongo[database][SERIES].find_one({"_id": rules.series_id(unit_id, kind)})
                    for entry in pending_entries(doc):
                        await series.on_recorded(as_cloud_event(entry))
                        events += 1

            started = time.perf_counter()
            await asyncio.gather(*(seeder() for _ in range(SEED_CONCURRENCY)))
            seeded = time.perf_counter() - started
            await raw.insert_many([
                {"network_id": network_id, "organisation_id": f"org-{u % ORGANISATIONS}", "unit_id": f"unit-{u}",
                 "kind": kind.value, "period": period, "value": value_of(u, m)}
                for u in range(units) for m, period in enumerate(months)])
            print(f"   seeded {units} units x {months_count} months ({events} events) in {seeded:.1f} s", flush=True)

            [trend] = await series.network_trends(network_id)
            expected = [round(sum(value_of(u, m) for u in range(units)) / units, 4) for m in range(months_count)]
            exact = (trend["units"] == units and [p["mean"] for p in trend["periods"]] == expected
                     and all(p["units_reporting"] == units for p in trend["periods"]))

            async def raw_trend() -> dict[str, Any]:
                docs = await raw.find({"network_id": network_id, "kind": kind.value}).to_list()
                by_unit: dict[str, dict[str, float]] = {}
                for d in docs:
                    by_unit.setdefault(d["unit_id"], {})[d["period"]] = d["value"]
                return rules.network_trend(kind, by_unit)

            trend_reads, raw_reads, raw_computed = [], [], []
            for _ in range(max(30, ctx.scaled(READS))):
                began = time.perf_counter()
                await series.network_trends(network_id)
                trend_reads.append(time.perf_counter() - began)
                began = time.perf_counter()
                docs = await raw.find({"network_id": network_id, "kind": kind.value}).to_list()
                raw_reads.append(time.perf_counter() - began)
                assert len(docs) == units * months_count
                began = time.perf_counter()
                await raw_trend()
                raw_computed.append(time.perf_counter() - began)
    finally:
        await mongo.drop_database(database)
        await mongo.close()

    if not exact:
        print(f"   CHECK FAILED: trend {trend['units']} units, means {[p['mean'] for p in trend['periods']][:3]}...",
              flush=True)
    scale = f"{units} units x {months_count} monthly readings, one network"
    return [
        *latency_figures(NAME, "network trend read", trend_reads),
        *latency_figures(NAME, "raw readings, one find", raw_reads),
        Figure(NAME, "trend read p50 ratio (trend / raw find)",
               percentile(trend_reads, 50) / percentile(raw_reads, 50), "x", scale),
        *latency_figures(NAME, "context: raw find + computing the trend", raw_computed),
        Figure(NAME, "trend exact", float(exact), "bool", "every unit and month counted, means as computed directly"),
        Figure(NAME, "seeding: readings through the service layer and projection", seeded, "s",
               f"{units * months_count} readings, {events} events, {SEED_CONCURRENCY} units at a time"),
    ]
