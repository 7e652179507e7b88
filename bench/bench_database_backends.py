"""FerretDB's two storage backends side by side: SQLite (the local stack's default) against PostgreSQL.

FerretDB v1 stores documents in SQLite or in PostgreSQL. The local stack uses SQLite (one
binary, no server to run); the PostgreSQL backend pushes simple filters down to SQL and keeps
real indexes, which could lift what FerretDB v1 does worst here: every filter other than
`_id` reads the whole collection. This benchmark starts, in the same run and on the same
machine, one FerretDB of each kind (the stack's own build, `infra/ferretdb`, with `-handler`)
and a PostgreSQL server of its own (Debian's `postgresql` package, in a temporary folder,
removed afterwards), and drives both with the access patterns Samla's services use, taking
turns (SQLite, PostgreSQL, SQLite, …) so that other load on the machine falls on both:

- insert: application-shaped documents by 8 concurrent writers (`insert_one`);
- read by `_id`: `find_one` of one document, one after another (p50);
- update by `_id`: `$set` and `$inc` of one document by 8 concurrent writers;
- a waitlist page: `find({cohort_id, status}).sort(position).skip().limit(50)` of a cohort of
  100 and of a cohort of 10,000 in the same collection, with an index on
  (cohort_id, position) created on both; first and last page;
- the relay's scan: `find({outbox_pending: {$gt: 0}})` over 2,000 and 20,000 documents, 1 %
  of them pending (what the outbox relay asked every round before the pending markers).

Ratio = PostgreSQL / SQLite: above 1 PostgreSQL takes longer (times) or does less (rates
are given as their inverse, time per operation, so every ratio reads the same way).

Decision (from the run below, load average 10-16 on 2 cores): SQLite stays the local
default. PostgreSQL wins where a selective equality filter can use its index (a page of a
small cohort among many documents: 0.01-0.02x) and on writes (0.5-0.7x), but loses on what
Samla's hot paths are built on, reads by `_id` (1.7x), and does not help the scans that
remain: a large cohort's sorted page (1.1x, the sort is not pushed down) and the relay's
`$gt` scan (2.1x at 20,000, not pushed down either). The fixes that make a request's cost
independent of a collection's size (pending markers for the relay, waitlist pages kept by
`_id`) are therefore made in the services, where they hold on SQLite, PostgreSQL and
MongoDB alike, not left to a backend. Production runs MongoDB (docker-compose, Helm).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from pymongo import ASCENDING, AsyncMongoClient

from harness import BenchContext, Figure, free_port, percentile

NAME = "database_backends"
ROOT = Path(__file__).resolve().parents[1]
WRITERS = 8
PAGE = 50


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package made the `postgres` user for it.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@asynccontextmanager
async def postgres_server(folder: Path) -> AsyncIterator[str]:
    binaries = _postgres_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed here: apt-get install postgresql")
    data, port = folder / "pg", free_port()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    subprocess.run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "pg.log"), "-w",
                                 "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-c",
                        "CREATE DATABASE ferretdb"], check=True, capture_output=True)
        yield f"postgres://postgres@127.0.0.1:{port}/ferretdb"
    finally:
        subprocess.run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True)


@asynccontextmanager
async def ferretdb(binary: Path, folder: Path, *handler: str) -> AsyncIterator[AsyncMongoClient]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([str(binary), "-listen", f"127.0.0.1:{port}", "-data", str(folder), *handler],
                               stdout=subprocess.DEVNULL, stderr=(folder / "ferretdb.log").open("wb"))
    client: AsyncMongoClient = AsyncMongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                                serverSelectionTimeoutMS=20_000)
    try:
        await client.admin.command("ping")
        yield client
    finally:
        await client.close()
        process.terminate()
        process.wait(timeout=30)


def _build_ferretdb() -> Path:
    """The stack's own FerretDB build (built here if `make stack` has not yet)."""
    sys.path.insert(0, str(ROOT / "infra/local"))
    import stack  # noqa: PLC0415 - a script folder, not a package

    stack.build_ferretdb()
    return stack.FERRETDB_BIN


def _application(cohort: str, position: int, pending: bool = False) -> dict:
    return {"_id": uuid.uuid4().hex, "cohort_id": cohort, "status": "waitlisted", "position": position,
            "participant_id": uuid.uuid4().hex, "organisation_id": "org-1", "unit_id": "unit-1",
            "submitted_at": time.time(), "history": [{"status": "submitted", "by": "x" * 16}],
            "outbox_pending": 1 if pending else 0}


async def _concurrently(count: int, operation: Callable[[int], Awaitable[object]]) -> float:
    """Seconds for `count` operations by WRITERS concurrent workers."""
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            await operation(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(WRITERS)))
    return time.perf_counter() - started


async def _timed(repeats: int, operation: Callable[[], Awaitable[object]]) -> float:
    """p50 seconds of `operation`, one after another."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        await operation()
        seconds.append(time.perf_counter() - started)
    return percentile(seconds, 50)


async def measure(client: AsyncMongoClient, ctx: BenchContext) -> dict[str, float]:
    """Seconds per operation (or per query) for each pattern, on one backend."""
    db = client[f"bench_{uuid.uuid4().hex[:8]}"]
    found: dict[str, float] = {}
    inserts = ctx.scaled(2000)
    writes = db.writes
    found["insert (8 writers), ms per document"] = await _concurrently(
        inserts, lambda i: writes.insert_one(_application("c-write", i))) / inserts * 1000
    ids = [d["_id"] async for d in writes.find({}, {"_id": 1}).limit(200)]
    found["read by _id p50, ms"] = await _timed(200, lambda: writes.find_one({"_id": ids[len(ids) // 2]})) * 1000
    found["update by _id (8 writers), ms per update"] = await _concurrently(
        inserts, lambda i: writes.update_one({"_id": ids[i % len(ids)]},
                                             {"$set": {"status": "enrolled"}, "$inc": {"version": 1}})) / inserts * 1000

    waitlist = db.applications
    await waitlist.create_index([("cohort_id", ASCENDING), ("position", ASCENDING)])
    big, small = ctx.scaled(10_000), 100
    for cohort, size in (("c-small", small), ("c-big", big)):
        for start in range(0, size, 1000):
            await waitlist.insert_many([_application(cohort, p) for p in range(start, min(size, start + 1000))])
    for cohort, size in (("c-small", small), ("c-big", big)):
        for label, skip in (("first", 0), (f"last", max(0, size - PAGE))):
            async def page(cohort: str = cohort, skip: int = skip) -> list:
                cursor = waitlist.find({"cohort_id": cohort, "status": "waitlisted"}).sort("position", ASCENDING)
                return await cursor.skip(skip).limit(PAGE).to_list()
            found[f"waitlist page ({label}) of {size}, p50 ms"] = await _timed(10, page) * 1000

    outbox = db.outbox
    filled = 0
    for size in (ctx.scaled(2000), ctx.scaled(20_000)):
        while filled < size:
            batch = min(1000, size - filled)
            await outbox.insert_many([_application("c-relay", filled + i, pending=(filled + i) % 100 == 0)
                                      for i in range(batch)])
            filled += batch

        async def scan() -> list:
            return await outbox.find({"outbox_pending": {"$gt": 0}}, {"_id": 1}).to_list()
        found[f"relay scan over {size}, p50 ms"] = await _timed(5, scan) * 1000
    await client.drop_database(db.name)
    return found


async def run(ctx: BenchContext) -> list[Figure]:
    binary = _build_ferretdb()
    folder = Path(tempfile.mkdtemp(prefix="samla-backends-"))
    folder.chmod(0o755)  # the postgres user reaches its own folder inside
    load = os.getloadavg()[0]
    rounds: dict[str, list[dict[str, float]]] = {"sqlite": [], "postgresql": []}
    try:
        async with postgres_server(folder / "postgres") as postgres_url, \
                ferretdb(binary, folder / "sqlite") as on_sqlite, \
                ferretdb(binary, folder / "fdb-pg", "-handler", "postgresql", "-postgresql-url", postgres_url) as on_pg:
            for _ in range(2):  # taking turns, so a burst of other load falls on both
                rounds["sqlite"].append(await measure(on_sqlite, ctx))
                rounds["postgresql"].append(await measure(on_pg, ctx))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures: list[Figure] = []
    for pattern in rounds["sqlite"][0]:
        sqlite = min(r[pattern] for r in rounds["sqlite"])  # the better of two rounds each
        postgres = min(r[pattern] for r in rounds["postgresql"])
        figures += [Figure(NAME, f"{pattern}: SQLite", sqlite, "ms"),
                    Figure(NAME, f"{pattern}: PostgreSQL", postgres, "ms"),
                    Figure(NAME, f"{pattern}: ratio PostgreSQL / SQLite", postgres / sqlite, "x",
                           "below 1: PostgreSQL is faster")]
    figures.append(Figure(NAME, "machine load (1-minute average)", load, "runnable",
                          f"{os.getloadavg()[0]:.1f} at the end; other work on this machine slows both sides"))
    return figures
