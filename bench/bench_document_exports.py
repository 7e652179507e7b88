"""Exports: a cohort of 2,000 applicants and a network of 5,000 measures, against the bare libraries.

Setup: one enrollment database holds a cohort of 2,000 applications (1,000 holding a seat,
1,000 on the waitlist) and their 2,000 people; one measures database holds 5,000 measures of
one network, each with a sick-leave indicator and two follow-ups with a reading. Both know
the network's directory (20 organisations, 200 units): enrollment its own, measures its read
model. The documents are inserted directly in the shapes the services write.

Samla: `GET /cohorts/{id}/applications/export` (CSV and XLSX) through the enrollment app and
`GET /exports/measures` (CSV of the measures, and XLSX with the measures, indicators and
follow-up sheets) through the measures app, in process over ASGI: authorisation, scope,
the reads, the join with names or the indicator effects, and the shared writer
(samla_shared.documents.tables). Baseline: the same reads with PyMongo (the names of
organisations, units, network and methods too, one `$in` read each) and the same rows
written with the bare library (`csv.writer` with `;`, openpyxl's write-only workbook), in
the same process, taking turns. Time is the median of the rounds; peak memory is measured
in a separate run of each under tracemalloc (Python allocations during the export), since
tracing slows everything down.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from openpyxl import Workbook
from pymongo import AsyncMongoClient

from harness import AUTH_HEADERS, BenchContext, Figure
from samla_shared.clock import local_today
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings

NAME = "document_exports"
APPLICANTS = 2000
MEASURES = 5000
ROUNDS = 3
NETWORK = "net-bench-exports"


def _settings(cls: type, ctx: BenchContext, database: str) -> Any:
    return cls(environment="test", kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url,
               mongo_database=database, run_consumers=False, run_relay=False,
               consumer_group=f"bench-{uuid.uuid4().hex[:8]}")


ORGANISATIONS, UNITS = 20, 200


def _directory_names() -> tuple[dict[str, str], dict[str, str]]:
    """The region's organisations and units by id, with Nordic letters, as the directory names them."""
    return ({f"org-{i}": f"Østre Ålesund kommune {i}" for i in range(ORGANISATIONS)},
            {f"unit-{i}": f"Hjemmetjenesten Ærøy {i}" for i in range(UNITS)})


async def _seed_enrollment_directory(db: Any) -> None:
    organisations, units = _directory_names()
    await db.networks.insert_one({"_id": NETWORK, "name": "Læringsnettverk Nord", "country": "NO"})
    await db.organisations.insert_many([{"_id": o, "network_id": NETWORK, "name": name, "kind": "municipality"}
                                        for o, name in organisations.items()])
    await db.units.insert_many([{"_id": u, "network_id": NETWORK, "organisation_id": f"org-{i % ORGANISATIONS}",
                                 "name": name, "kind": "home_care_service"}
                                for i, (u, name) in enumerate(units.items())])


async def _seed_measures_directory(db: Any) -> None:
    # Measures' read model of the directory (adapters/directory_store.py): `_id` is `<kind>:<id>`.
    organisations, units = _directory_names()
    entries = [{"_id": f"network:{NETWORK}", "entry": "network", "id": NETWORK, "name": "Læringsnettverk Nord"}]
    entries += [{"_id": f"organisation:{o}", "entry": "organisation", "id": o, "name": name, "network_id": NETWORK}
                for o, name in organisations.items()]
    entries += [{"_id": f"unit:{u}", "entry": "unit", "id": u, "name": name, "network_id": NETWORK}
                for u, name in units.items()]
    await db.directory.insert_many(entries)


async def _seed_cohort(db: Any, n: int) -> str:
    now = datetime.now(UTC)
    cohort_id, programme_id = f"cohort-{uuid.uuid4().hex[:8]}", f"prog-{uuid.uuid4().hex[:8]}"
    people, applications = [], []
    for i in range(n):
        person, application = f"person-{i:05d}", f"app-{i:05d}"
        people.append({"_id": person, "name": f"Åse Ødegård {i}", "email": f"ase.{i}@example.no",
                       "phone": "+47 912 34 567", "language": "nb", "created_at": now, "updated_at": now})
        applications.append({
            "_id": application, "cohort_id": cohort_id, "programme_id": programme_id, "network_id": NETWORK,
            "organisation_id": f"org-{i % 20}", "unit_id": f"unit-{i % 200}", "participant_id": person,
            "manager_id": f"manager-{i % 50}", "role": "sykepleier", "facilitator_unit_ids": [],
            "status": "approved", "submitted_at": now + timedelta(milliseconds=i), "history": []})
    for chunk in range(0, n, 500):
        await db.people.insert_many(people[chunk:chunk + 500])
        await db.applications.insert_many(applications[chunk:chunk + 500])
    seated = [a["_id"] for a in applications[: n // 2]]
    waiting = [a["_id"] for a in applications[n // 2:]]
    await db.programmes.insert_one({"_id": programme_id, "network_id": NETWORK, "title": "Kulturkompetanse",
                                    "code": "KULT", "language": "nb", "created_at": now})
    # Completed, so the service's start-up reconciliation of open cohorts leaves it alone.
    await db.cohorts.insert_one({
        "_id": cohort_id, "programme_id": programme_id, "network_id": NETWORK, "term": "vår-2027",
        "location": "Oslo", "capacity": len(seated), "time_zone": "Europe/Oslo", "manual_status": "completed",
        "enrolled": seated, "waitlist": waiting, "seats_taken": len(seated), "seats_free": 0,
        "waitlist_length": len(waiting), "seat_sequence": n, "version": 1, "audit": [],
        "applications_open_at": now - timedelta(days=30), "applications_close_at": now - timedelta(days=1),
        "created_at": now, "updated_at": now})
    return cohort_id


async def _seed_measures(db: Any, n: int) -> None:
    now = datetime.now(UTC)
    today = local_today()
    batch = []
    for i in range(n):
        indicator = {"id": f"ind-{i}", "kind": "sick_leave_percent", "name": "Sykefravær", "unit": "%",
                     "baseline": 9.5, "baseline_date": (today - timedelta(days=200)).isoformat(), "target": 7.0,
                     "better": "down", "scale_min": 0.0, "scale_max": 100.0}
        follow_ups = [{"id": f"fu-{i}-{k}", "held_on": (today - timedelta(days=100 - 40 * k)).isoformat(),
                       "readings": [{"indicator_id": indicator["id"], "value": 9.0 - k}], "in_practice": True,
                       "worked": "Tett dialog på én uke; ærlig og åpen", "did_not_work": "",
                       "next_follow_up_due": (today + timedelta(days=30)).isoformat(), "recorded_at": now}
                      for k in range(2)]
        batch.append({
            "_id": f"measure-{i:05d}", "network_id": NETWORK, "organisation_id": f"org-{i % 20}",
            "unit_ids": [f"unit-{i % 200}"], "title": f"Tidlig og tett på {i}", "area": "sick_leave_follow_up",
            "goal": "Lavere sykefravær", "method_id": "sick-leave-follow-up-routine", "status": "in_practice",
            "adopted_on": (today - timedelta(days=150)).isoformat(),
            "next_follow_up_due": (today + timedelta(days=30)).isoformat(), "follow_up_count": 2,
            "follow_up_every_weeks": 8, "owners": {}, "consents": {}, "indicators": [indicator],
            "follow_ups": follow_ups, "history": [], "created_at": now + timedelta(milliseconds=i), "version": 1})
        if len(batch) == 500:
            await db.measures.insert_many(batch)
            batch = []
    if batch:
        await db.measures.insert_many(batch)


# -- the baselines: the same reads with PyMongo, the rows written with the bare library -----------

async def _names(collection: Any, ids: set[str]) -> dict[str, str]:
    return {d["_id"]: d["name"] async for d in collection.find({"_id": {"$in": sorted(ids)}}, {"name": 1})}


async def _applicant_rows(db: Any, cohort_id: str) -> list[list[Any]]:
    applications = [a async for a in db.applications.find({"cohort_id": cohort_id}).sort("submitted_at", 1)]
    people = {p["_id"]: p async for p in db.people.find({"_id": {"$in": [a["participant_id"] for a in applications]}})}
    organisations = await _names(db.organisations, {a["organisation_id"] for a in applications})
    units = await _names(db.units, {a["unit_id"] for a in applications})
    return [[people[a["participant_id"]]["name"], a["status"], a["organisation_id"],
             organisations.get(a["organisation_id"]), a["unit_id"], units.get(a["unit_id"]), a["role"],
             a["submitted_at"].replace(tzinfo=None), a["participant_id"], a["manager_id"], a["_id"]]
            for a in applications]


async def _measure_tables(db: Any) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    # Streamed like the export, keeping rows rather than documents; names are filled in after one read each.
    measures, indicators, follow_ups = [], [], []
    # (row, where the organisation's name goes, where the units' names go, organisation, units)
    places: list[tuple[list[Any], int, int, str, list[str]]] = []
    async for m in db.measures.find({"network_id": NETWORK}).sort("created_at", 1):
        row = [m["title"], m["area"], m["status"], m["organisation_id"], None, ", ".join(m["unit_ids"]), None,
               m["method_id"], None, m["goal"], m["adopted_on"], m["next_follow_up_due"], m["follow_up_count"],
               m["network_id"], None]
        measures.append(row)
        places.append((row, 4, 6, m["organisation_id"], m["unit_ids"]))
        for i in m["indicators"]:
            latest = m["follow_ups"][-1]["readings"][0]["value"]
            indicators.append([m["title"], i["name"], i["kind"], i["unit"], i["baseline"], i["target"], latest,
                               latest - i["baseline"], m["organisation_id"], None, None])
            places.append((indicators[-1], 9, 10, m["organisation_id"], m["unit_ids"]))
        for f in m["follow_ups"]:
            for r in f["readings"]:
                follow_ups.append([m["title"], f["held_on"], f["in_practice"], r["value"], f["worked"],
                                   m["organisation_id"], None, None])
                places.append((follow_ups[-1], 6, 7, m["organisation_id"], m["unit_ids"]))
    keys = {f"organisation:{o}" for *_, o, _ in places} | {f"unit:{u}" for *_, us in places for u in us}
    names = await _names(db.directory, keys | {f"network:{NETWORK}"})
    methods = {d["_id"]: d["name"]["nb"] async for d in db.toolbox.find(
        {"_id": {"$in": sorted({row[7] for row in measures})}}, {"name": 1})}
    for row, organisation_at, units_at, organisation, units in places:
        row[organisation_at] = names.get(f"organisation:{organisation}")
        row[units_at] = ", ".join(names[f"unit:{u}"] for u in units if f"unit:{u}" in names)
    for row in measures:
        row[8], row[14] = methods.get(row[7]), names.get(f"network:{NETWORK}")
    return measures, indicators, follow_ups


def _bare_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue().encode()


def _bare_xlsx(*sheets: list[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    for n, rows in enumerate(sheets):
        sheet = workbook.create_sheet(f"Sheet {n + 1}")
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- measuring ----------------------------------------------------------------------------------

async def _timed(action: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    started = time.perf_counter()
    size = await action()
    return time.perf_counter() - started, size


async def _peak(action: Callable[[], Awaitable[int]]) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        await action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


async def _compare(label: str, samla: Callable[[], Awaitable[int]], bare: Callable[[], Awaitable[int]],
                   rounds: int) -> list[Figure]:
    times: dict[str, list[float]] = {"samla": [], "bare": []}
    sizes: dict[str, int] = {}
    for n in range(rounds):
        for side, action in (("samla", samla), ("bare", bare)) if n % 2 == 0 else (("bare", bare),
                                                                                   ("samla", samla)):
            seconds, sizes[side] = await _timed(action)
            times[side].append(seconds)
    samla_s, bare_s = statistics.median(times["samla"]), statistics.median(times["bare"])
    samla_mb, bare_mb = await _peak(samla), await _peak(bare)
    return [
        Figure(NAME, f"{label}: Samla", samla_s * 1000, "ms", f"{sizes['samla'] / 1024:.0f} KiB"),
        Figure(NAME, f"{label}: bare library", bare_s * 1000, "ms", f"{sizes['bare'] / 1024:.0f} KiB"),
        Figure(NAME, f"{label}: time ratio", samla_s / bare_s, "×", "Samla / bare"),
        Figure(NAME, f"{label}: peak memory Samla", samla_mb, "MiB", "tracemalloc"),
        Figure(NAME, f"{label}: peak memory bare library", bare_mb, "MiB", "tracemalloc"),
        Figure(NAME, f"{label}: memory ratio", samla_mb / bare_mb, "×", "Samla / bare"),
    ]


async def run(ctx: BenchContext) -> list[Figure]:
    applicants, measures = ctx.scaled(APPLICANTS), ctx.scaled(MEASURES)
    mongo = AsyncMongoClient(ctx.mongo_url)
    enrollment_db, measures_db = f"bench_exports_enrollment_{uuid.uuid4().hex[:8]}", \
        f"bench_exports_measures_{uuid.uuid4().hex[:8]}"
    figures: list[Figure] = []
    try:
        cohort_id = await _seed_cohort(mongo[enrollment_db], applicants)
        await _seed_measures(mongo[measures_db], measures)
        await _seed_enrollment_directory(mongo[enrollment_db])
        await _seed_measures_directory(mongo[measures_db])
        enrollment = create_enrollment(_settings(EnrollmentSettings, ctx, enrollment_db))
        measures_app = create_measures(_settings(MeasuresSettings, ctx, measures_db))
        async with LifespanManager(enrollment, startup_timeout=120, shutdown_timeout=120), \
                LifespanManager(measures_app, startup_timeout=120, shutdown_timeout=120), \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=enrollment), base_url="http://enrollment",
                                  headers=AUTH_HEADERS, timeout=600) as to_enrollment, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=measures_app), base_url="http://measures",
                                  headers=AUTH_HEADERS, timeout=600) as to_measures:
            db_e, db_m = mongo[enrollment_db], mongo[measures_db]

            def samla(client: httpx.AsyncClient, url: str, **params: str) -> Callable[[], Awaitable[int]]:
                async def call() -> int:
                    response = await client.get(url, params=params)
                    assert response.status_code == 200, response.text
                    return len(response.content)
                return call

            async def bare_applicants_csv() -> int:
                return len(_bare_csv(await _applicant_rows(db_e, cohort_id)))

            async def bare_applicants_xlsx() -> int:
                return len(_bare_xlsx(await _applicant_rows(db_e, cohort_id)))

            async def bare_measures_csv() -> int:
                return len(_bare_csv((await _measure_tables(db_m))[0]))

            async def bare_measures_xlsx() -> int:
                return len(_bare_xlsx(*await _measure_tables(db_m)))

            url = f"/cohorts/{cohort_id}/applications/export"
            figures += await _compare(f"{applicants} applicants CSV", samla(to_enrollment, url, format="csv"),
                                      bare_applicants_csv, ROUNDS)
            figures += await _compare(f"{applicants} applicants XLSX", samla(to_enrollment, url, format="xlsx"),
                                      bare_applicants_xlsx, ROUNDS)
            figures += await _compare(f"{measures} measures CSV",
                                      samla(to_measures, "/exports/measures", network_id=NETWORK, format="csv"),
                                      bare_measures_csv, ROUNDS)
            figures += await _compare(f"{measures} measures XLSX (3 sheets)",
                                      samla(to_measures, "/exports/measures", network_id=NETWORK, format="xlsx"),
                                      bare_measures_xlsx, ROUNDS)
    finally:
        await mongo.drop_database(enrollment_db)
        await mongo.drop_database(measures_db)
        await mongo.close()
    return figures
