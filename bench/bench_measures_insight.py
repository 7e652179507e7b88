"""Measures: network-insight read at 200 units and 2,000 measures, and follow-up writes against a bare insert_one.

Setup: one network gets 2,000 measures in 20 organisations of 10 units each (every third
measure on two units), spread over the six areas: proposed with a sick-leave indicator, agreed
by the three parties, adopted; then 50 % followed up in practice with a reading, 10 %
evaluated, 10 % discontinued, 20 % left adopted and 10 % left proposed.

Seeding: driving 2,000 measures through the API into the measured collection is slow on
FerretDB v1 (before the stack's patch every `_id` lookup scanned the collection, and the
relay's queries did before its pending markers), so each measure is made by the service layer itself
(MeasuresService: the same rules, documents and events as the API) against a scratch
database that only ever holds the few measures being built. The events its changes
staged in the outbox are handed, in staging order and as the CloudEvents the relay would
publish, to the insight projection (InsightProjection.handle, the code its Kafka consumer
calls) over the same scratch database. The finished measure (outbox emptied, as the relay
leaves it) and its insight contributor are then taken out, and all of them are written to
the measured database with insert_many in batches of 200, with the network's counters. So
the measured collections hold exactly what the service and its projection would have
written; only the write path of the seeding differs. The run checks, through the app, that
the insight counts every measure in its final status.

Read: GET /networks/{id}/insight through the measures app (ASGI, no socket), one after
another, alternating with the baseline: `find_one` of a small document by `_id` in the same
FerretDB. Latency p50/p99 of each and the ratio of the p50s.

Write: POST /measures/{id}/follow-ups (validation, the measure's lock, one update writing the
follow-up, the new state and the outbox entry) by 8 concurrent writers on distinct measures,
against bare `insert_one` of a follow-up-shaped document by 8 concurrent writers. Rate of
each and ratio. A third, context baseline does what any change of an existing measure needs
at the least: `find_one` and `update_one` of a measure by `_id`. The three take turns in
rounds whose order rotates. A 503 (database too slow to answer in time) is retried after a
pause, as a client would, and counted; so is an update of the context baseline that SQLite
refuses as busy (its write lock timed out). Then a profile: 20 follow-ups one at a time, with
the database commands each sends (a PyMongo command listener) and the share of its time
spent waiting for their answers.

The app runs without its outbox relay and consumers here. When this was measured the shared
relay looked for pending events with `find({outbox_pending: {$gt: 0}})` every round, which
FerretDB v1 answers by reading and decoding the whole measures collection; at 2,000 measures
that would have drowned everything else measured, so the run reports the cost of that query,
and of marking one document sent, as context figures instead. The relay now finds its work
through pending markers (`measures_pending`, read whole, then each measure by `_id`) and
runs that query only as its safety net, at start-up and every five minutes (the outbox_relay
benchmark measures both side by side); the context figure is the cost of that scan. (With
the stack's patched FerretDB a bare `_id` lookup uses the `_id` index; any other filter is
still a scan, so figures that involve one grow with the collection, as they would not on
MongoDB.)

Runs (2,000 measures; insight p50 / find_one p50, follow-ups/s / inserts/s):

    before (19cf572), load 4.4-14:   6.56 / 0.70 ms = 9.4x    283 / 1,783 = 0.16
    after (a follow-up reads what it needs once; the insight reads counters, trends and
    names at once; its figures built without per-item enum look-ups), load 6.4 -> 4.0:
                                     4.46 / 0.72 ms = 6.2x    226 / 1,129 = 0.20 (table below)

The floor on this database: a bare find_one + update_one of a measure by _id, with no Python
work at all, reached only 0.26-0.32 of a bare insert in these runs, so a follow-up (two
commands) cannot reach 0.5 of one insert on FerretDB v1. docs/profiles/README.md shows where
the rest goes (the HTTP and tracing stack, PyMongo's per-command work).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import OperationFailure

from harness import AUTH_HEADERS, BenchContext, Figure, latency_figures, percentile
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.registry import event_class
from samla_shared.messaging.outbox import OUTBOX_FIELD, pending_entries
from samla_shared.persistence.guarded_writes import WriteGuard
from samla_measures.adapters.insight_store import CONTRIBUTORS, NETWORKS, InsightStore
from samla_measures.adapters.ports import MeasureQuery
from samla_measures.adapters.repository import MeasureStore
from samla_measures.domain.insight import measure_contributor
from samla_measures.domain.measure import OwnerRole
from samla_measures.entrypoints.app import create_app
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.settings import MeasuresSettings

NAME = "measures_insight"
MEASURES = 2000
ORGANISATIONS = 20
UNITS_PER_ORGANISATION = 10
READS = 400
FOLLOW_UPS = 1000
WRITERS = 8
ROUNDS = 4
PROFILED = 20
# FerretDB (SQLite) writes one at a time; more seeders only lengthen its queue.
SEED_CONCURRENCY = 4
INSERT_BATCH = 200
AREAS = ("sick_leave_follow_up", "leadership_and_party_cooperation", "preventive_work_environment",
         "full_time_culture", "competence_development", "culture_and_values")
# Every unit gets ten measures in turn, one in each of these final states.
STATUS_CYCLE = ("proposed", "adopted", "adopted", "discontinued", "evaluated", *["in_practice"] * 5)


class Layout:
    """Measure i lies in organisation i % 20, unit (i // 20) % units-per-organisation, and its status
    comes from how many rounds over all units came before it, so every unit holds every status."""

    def __init__(self, units: int) -> None:
        self.per_organisation = max(1, units // ORGANISATIONS)

    def place(self, i: int) -> tuple[str, list[str]]:
        organisation, unit = i % ORGANISATIONS, (i // ORGANISATIONS) % self.per_organisation
        units = [f"unit-{organisation}-{unit}"]
        if i % 3 == 0 and self.per_organisation > 1:
            units.append(f"unit-{organisation}-{(unit + 1) % self.per_organisation}")
        return f"org-{organisation}", units

    def status(self, i: int) -> str:
        return STATUS_CYCLE[(i // (ORGANISATIONS * self.per_organisation)) % len(STATUS_CYCLE)]


class CommandLog(monitoring.CommandListener):
    """The database commands any client of this process sends while `recording` is on: the profile of one request."""

    def __init__(self) -> None:
        self.recording = False
        self.names: list[str] = []
        self.seconds = 0.0  # time the recorded commands took, from sending to the answer

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording:
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self.recording:
            self.seconds += event.duration_micros / 1e6

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


# Registered before any client exists: PyMongo gives global listeners only to clients created after.
COMMANDS = CommandLog()
monitoring.register(COMMANDS)


# The audit fields' person for everything the seeding does (the service layer takes the caller's person).
SEEDER = "person-bench-seeder"


async def seed_measure(service: Any, network_id: str, i: int, layout: Layout) -> str:
    today = service.today()
    organisation, unit_ids = layout.place(i)
    measure = await service.propose({
        "network_id": network_id, "organisation_id": organisation, "unit_ids": unit_ids,
        "title": f"Tiltak {i}", "area": AREAS[i % len(AREAS)], "goal": "Lavere sykefravær",
        "method_id": "sick-leave-follow-up-routine", "follow_up_every_weeks": 8,
        "indicators": [{"kind": "sick_leave_percent", "baseline": 9.0 + i % 5, "baseline_date": today - timedelta(120),
                        "target": 6.0}],
    }, by=SEEDER)
    status = layout.status(i)
    if status == "proposed":
        return measure.id
    for role in OwnerRole:
        await service.consent(measure.id, role, f"person-{role.value}-{organisation}")
    adopted = await service.adopt(measure.id, adopted_on=today - timedelta(100), first_follow_up_on=None,
                                  reason=None, by=SEEDER)
    indicator_id = adopted.indicators[0]["id"]
    if status in ("in_practice", "evaluated"):
        await service.follow_up(measure.id, {
            "held_on": today - timedelta(30), "in_practice": True, "worked": "Tett oppfølging",
            "readings": [{"indicator_id": indicator_id, "value": 7.5 + (i % 7) * 0.5}]}, by=SEEDER)
    if status == "evaluated":
        await service.evaluate(measure.id, {"summary": "Videreføres", "evaluated_on": today}, by=SEEDER)
    if status == "discontinued":
        await service.discontinue(measure.id, reason="Omorganisering", discontinued_on=today, by=SEEDER)
    return measure.id


async def in_parallel(jobs: list[Any], concurrency: int) -> list[Any]:
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    for item in enumerate(jobs):
        queue.put_nowait(item)
    results: list[Any] = [None] * len(jobs)

    async def worker() -> None:
        while not queue.empty():
            index, job = queue.get_nowait()
            results[index] = await job()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def as_cloud_event(entry: dict[str, Any]) -> CloudEvent:
    """An outbox entry as the record the relay would publish and the consumer would parse."""
    model = event_class(entry["type"])
    assert model is not None
    return CloudEvent(data=model.model_validate(entry["data"]), source=entry["source"], id=entry["id"],
                      time=entry["time"])


async def timed(operation: Any, times: int = 5) -> list[float]:
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        await operation()
        seconds.append(time.perf_counter() - began)
    return seconds


@dataclass
class Seeded:
    """A measured database filled as the service and its projection would have filled it."""

    app: Any
    client: httpx.AsyncClient  # the app through ASGI, with the bench's admin token
    mongo: AsyncMongoClient
    database: str
    network_id: str
    layout: Layout
    ids: list[str]
    events: int
    built: float  # seconds building and projecting in the scratch database
    inserted: float  # seconds moving it into the measured database


@asynccontextmanager
async def seeded(ctx: BenchContext) -> AsyncIterator[Seeded]:
    """The measures app over one network of 2,000 measures (at scale 1), running without relay and consumers.

    Shared by `run` and bench/profile_measures_insight.py, so the profile sees what the benchmark measures.
    """
    n, units = ctx.scaled(MEASURES), max(ORGANISATIONS, ctx.scaled(ORGANISATIONS * UNITS_PER_ORGANISATION))
    layout = Layout(units)
    run_id = uuid.uuid4().hex[:8]
    database, network_id = f"bench_measures_{run_id}", f"net-bench-{run_id}"
    settings = MeasuresSettings(kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
                                consumer_group=f"bench-measures-{run_id}", environment="test", log_level="WARNING",
                                run_relay=False, run_consumers=False,
                                # No watch rounds during the run: their scans would mix into the profile.
                                overdue_scan_interval_seconds=86_400)
    app = create_app(settings)
    service = app.state.measures
    mongo = AsyncMongoClient(ctx.mongo_url, tz_aware=True)
    measures = mongo[database].measures
    try:
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://measures",
                                       headers=AUTH_HEADERS)
            while (await client.get("/health/ready")).status_code != 200:
                await asyncio.sleep(0.2)

            # -- seed: the service's own code in a scratch database, then moved in bulk --------
            # The scratch collections hold only the few measures being built, so FerretDB's scan
            # per `_id` lookup stays short; the real collections are filled with insert_many.
            runtime = app.state.runtime
            scratch_db = runtime.db.client[f"{database}_scratch"]
            builder = MeasuresService(MeasureStore(scratch_db, service.store.source), service.toolbox,
                                      runtime.document_locks, clock=service.clock)
            scratch_projection = InsightProjection(InsightStore(scratch_db), runtime.document_locks, service.clock)
            events = 0

            async def build(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
                nonlocal events
                measure_id = await seed_measure(builder, network_id, i, layout)
                async with runtime.document_locks.hold("measures", measure_id):
                    measure = await scratch_db.measures.find_one_and_delete({"_id": measure_id})
                # The events the relay would publish, as the consumer would receive them, in staging order.
                for entry in pending_entries(measure):
                    await scratch_projection.handle(as_cloud_event(entry))
                    events += 1
                async with runtime.document_locks.hold(CONTRIBUTORS, measure_contributor(measure_id)):
                    contributor = await scratch_db[CONTRIBUTORS].find_one_and_delete(
                        {"_id": measure_contributor(measure_id)})
                assert contributor["pending_count"] == 0, contributor
                # As the relay leaves a measure once every event is published: the outbox emptied.
                measure.pop(OUTBOX_FIELD, None)
                return measure | {"outbox_pending": 0}, contributor

            started = time.perf_counter()
            built_measures = await in_parallel([lambda i=i: build(i) for i in range(n)], SEED_CONCURRENCY)
            built = time.perf_counter() - started
            network = await scratch_db[NETWORKS].find_one({"_id": network_id})
            assert not network.get("applied"), network  # every counter change carried and its marker cleared
            started = time.perf_counter()
            for first in range(0, n, INSERT_BATCH):
                batch = built_measures[first:first + INSERT_BATCH]
                await measures.insert_many([measure for measure, _ in batch], ordered=False)
                await mongo[database][CONTRIBUTORS].insert_many([contributor for _, contributor in batch],
                                                                ordered=False)
            await mongo[database][NETWORKS].insert_one(network)
            inserted = time.perf_counter() - started
            ids = [measure["_id"] for measure, _ in built_measures]
            print(f"   seeded {n} measures ({events} events) in {built:.1f} s, moved in {inserted:.1f} s", flush=True)
            try:
                yield Seeded(app, client, mongo, database, network_id, layout, ids, events, built, inserted)
            finally:
                await client.aclose()
    finally:
        await mongo.drop_database(database)
        await mongo.drop_database(f"{database}_scratch")
        await mongo.close()


async def active_indicators(s: Seeded) -> tuple[list[str], dict[str, str]]:
    """The measures a follow-up may be recorded for (adopted or in practice), and each one's indicator."""
    active = [s.ids[i] for i in range(len(s.ids)) if s.layout.status(i) in ("in_practice", "adopted")]
    indicator_of = {m.id: m.indicators[0]["id"]
                    for m in await s.app.state.measures.store.find(MeasureQuery(status=["in_practice", "adopted"]),
                                                                   0, len(s.ids))}
    return active, indicator_of


async def run(ctx: BenchContext) -> list[Figure]:
    async with seeded(ctx) as s:
        app, client, mongo, database, network_id, layout, ids = (s.app, s.client, s.mongo, s.database, s.network_id,
                                                                  s.layout, s.ids)
        n, events, built, inserted = len(ids), s.events, s.built, s.inserted
        service = app.state.measures
        measures = mongo[database].measures
        insight = (await client.get(f"/networks/{network_id}/insight")).json()
        expected: dict[str, int] = {}
        for i in range(n):
            expected[layout.status(i)] = expected.get(layout.status(i), 0) + 1
        exact = {k: v for k, v in insight["measures_by_status"].items() if v} == expected

        # -- read: the insight against a bare find_one, alternating -----------------------
        baseline = mongo[database].bench_baseline
        await baseline.insert_one({"_id": "probe", "network_id": network_id, "value": 1})
        reads, bare_reads = [], []
        for _ in range(max(50, ctx.scaled(READS))):
            began = time.perf_counter()
            response = await client.get(f"/networks/{network_id}/insight")
            reads.append(time.perf_counter() - began)
            assert response.status_code == 200
            began = time.perf_counter()
            await baseline.find_one({"_id": "probe"})
            bare_reads.append(time.perf_counter() - began)

        # -- context: the shared relay's two queries on this collection --------------------
        # (the outboxes are empty now: the same filter shapes cost the same without a match)
        probe_id = ids[0]
        relay_scan = await timed(lambda: measures.find({"outbox_pending": {"$gt": 0}}, {"outbox": 1}).to_list())
        guard = WriteGuard(measures.database)
        checked_by_server = await guard.conditions_in_filter()

        async def relay_mark_sent() -> None:
            # The commands OutboxRelay._mark_sent sends for one document on this server.
            if not checked_by_server:
                await measures.find_one({"_id": probe_id}, {"outbox": 1})
            guarded = await guard.filter(probe_id, {"outbox.some-event-id": {"$exists": True}})
            await measures.update_one(guarded, {"$unset": {"bench_probe": ""}})

        relay_mark = await timed(relay_mark_sent)

        # -- write: follow-ups against bare inserts, alternating rounds --------------------
        active, indicator_of = await active_indicators(s)
        writes = max(WRITERS * ROUNDS, ctx.scaled(FOLLOW_UPS))
        per_round = writes // ROUNDS
        today = service.today()
        cursor = retries = busy = 0

        async def follow_ups(count: int) -> float:
            nonlocal cursor
            # Distinct measures at a time: the lock is per measure, as it would be for real users.
            targets = [active[(cursor + k) % len(active)] for k in range(count)]
            cursor += count
            jobs = [lambda m=m: retried(lambda: client.post(f"/measures/{m}/follow-ups", json={
                "held_on": today.isoformat(), "in_practice": True, "worked": "Faste samtaler",
                "readings": [{"indicator_id": indicator_of[m], "value": 7.0}]})) for m in targets]
            began = time.perf_counter()
            responses = await in_parallel(jobs, WRITERS)
            elapsed = time.perf_counter() - began
            assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
            return elapsed

        async def retried(send: Any) -> httpx.Response:
            nonlocal retries
            for _ in range(5):
                response = await send()
                if response.status_code != 503:
                    return response
                retries += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
            return response

        async def bare_inserts(count: int) -> float:
            docs = [{"_id": uuid.uuid4().hex, "measure_id": active[k % len(active)],
                     "held_on": today.isoformat(), "in_practice": True, "worked": "Faste samtaler",
                     "did_not_work": "", "readings": [{"indicator_id": "x", "value": 7.0}],
                     "next_follow_up_due": (today + timedelta(weeks=8)).isoformat()} for k in range(count)]
            collection = mongo[database].bench_bare_follow_ups
            began = time.perf_counter()
            await in_parallel([lambda d=d: collection.insert_one(d) for d in docs], WRITERS)
            return time.perf_counter() - began

        async def bare_read_modify_writes(count: int) -> float:
            targets = [active[(cursor + k) % len(active)] for k in range(count)]

            async def one(measure_id: str) -> None:
                nonlocal busy
                await measures.find_one({"_id": measure_id}, {"outbox": 0})
                for _ in range(5):
                    try:
                        await measures.update_one({"_id": measure_id},
                                                  {"$set": {"bench_touched": today.isoformat()}})
                        return
                    except OperationFailure as exc:
                        # At 2,000 measures SQLite's write lock can time out under 8 writers; retry as the
                        # service's callers retry its 503.
                        if "SQLITE_BUSY" not in str(exc):
                            raise
                        busy += 1
                        await asyncio.sleep(1)

            began = time.perf_counter()
            await in_parallel([lambda m=m: one(m) for m in targets], WRITERS)
            return time.perf_counter() - began

        kinds = {"follow-up": follow_ups, "insert": bare_inserts, "read-modify-write": bare_read_modify_writes}
        seconds = dict.fromkeys(kinds, 0.0)
        for number in range(ROUNDS):
            # The machine's other load drifts; rotating who goes first spreads it over all three.
            order = list(kinds)[number % 3:] + list(kinds)[:number % 3]
            for kind in order:
                seconds[kind] += await kinds[kind](per_round)
        follow_up_seconds, bare_seconds = seconds["follow-up"], seconds["insert"]

        # -- profile: the database commands of one follow-up, one request at a time ---------
        profiled: list[list[str]] = []
        profiled_seconds = in_database = 0.0
        for k in range(PROFILED):
            measure_id = active[(cursor + k) % len(active)]
            COMMANDS.names.clear()
            COMMANDS.seconds = 0.0
            COMMANDS.recording = True
            began = time.perf_counter()
            response = await client.post(f"/measures/{measure_id}/follow-ups", json={
                "held_on": today.isoformat(), "in_practice": True,
                "readings": [{"indicator_id": indicator_of[measure_id], "value": 7.0}]})
            profiled_seconds += time.perf_counter() - began
            COMMANDS.recording = False
            assert response.status_code == 201, response.text
            profiled.append(list(COMMANDS.names))
            in_database += COMMANDS.seconds

    done = per_round * ROUNDS
    follow_up_rate, bare_rate = done / follow_up_seconds, done / bare_seconds
    server = ctx.mongo_url.split("//", 1)[-1].split("/", 1)[0]
    scale = (f"{n} measures, {insight['units_active']} active units, "
             f"{len(insight['organisations'])} organisations; FerretDB at {server}")
    if not exact:
        print(f"   CHECK FAILED: the insight counts {insight['measures_by_status']}, expected {expected}", flush=True)
    return [
        *latency_figures(NAME, "insight read", reads),
        *latency_figures(NAME, "bare find_one by _id", bare_reads),
        Figure(NAME, "insight read p50 ratio (insight / find_one)",
               percentile(reads, 50) / percentile(bare_reads, 50), "x", scale),
        Figure(NAME, "follow-up writes/s", follow_up_rate, "writes/s", f"{done} via HTTP, {WRITERS} writers"),
        Figure(NAME, "bare insert_one/s", bare_rate, "writes/s", f"{done}, {WRITERS} writers, same FerretDB"),
        Figure(NAME, "write ratio (follow-up / insert_one)", follow_up_rate / bare_rate, "x"),
        Figure(NAME, "database commands per follow-up", sum(map(len, profiled)) / len(profiled), "commands",
               f"{len(profiled)} follow-ups one at a time: " + ", ".join(
                   f"{name} x{count}" for name, count in sorted(Counter(sum(profiled, [])).items()))),
        Figure(NAME, "share of a follow-up's time spent waiting for the database", in_database / profiled_seconds * 100,
               "%", f"the same {len(profiled)} follow-ups; the rest is HTTP, validation and building the event"),
        Figure(NAME, "follow-up 503s retried", float(retries), "count", "database too slow to answer within 10 s"),
        Figure(NAME, "context: bare find_one + update_one of a measure by _id/s", done / seconds["read-modify-write"],
               "writes/s", f"{done}, {WRITERS} writers: the least any change of a measure costs on this database"),
        Figure(NAME, "context: its update_one retried after SQLITE_BUSY", float(busy), "count",
               "SQLite's write lock timed out; retried after 1 s"),
        Figure(NAME, "insight exact", float(exact), "bool", "every measure counted once, in its final status"),
        Figure(NAME, "seeding: building and projecting in the scratch database", built, "s",
               f"{n} measures through the service layer, {events} events through the projection, "
               f"{SEED_CONCURRENCY} measures at a time"),
        Figure(NAME, "seeding: insert_many into the measured database", inserted, "s",
               f"{n} measures and their {n} insight contributors in batches of {INSERT_BATCH}, one network"),
        Figure(NAME, "context: relay scan for pending events p50", percentile(relay_scan, 50) * 1000, "ms",
               f"find outbox_pending > 0 over {n} measures (FerretDB: no pushdown); the relay's safety-net scan since the markers"),
        Figure(NAME, "context: relay mark-sent of one document p50", percentile(relay_mark, 50) * 1000, "ms",
               "update_one by _id + outbox entry exists" if checked_by_server
               else "find_one + update_one by _id, the entry checked under the document lock"),
    ]
