"""Cost of exporting traces: application submissions per second with OTLP export to Jaeger on, against off.

Two enrollment processes run side by side under uvicorn, identical but for
ENROLLMENT_OTLP_ENDPOINT: one exports every span (FastAPI, PyMongo, Kafka publish) over
OTLP/HTTP to the local Jaeger (`stack.py start jaeger`, started here if it is not
running), the other creates the same spans and exports none. Rounds come in pairs, in
the order off-on, on-off, off-on, … (so a machine that slowly gets busier or quieter
favours neither), each posting the same number of applications with the same
concurrency to fresh cohorts of its service (one per concurrent client). The ratio is
the median over pairs of (throughput on / throughput off), each pair measured within
the same minute; the spread of the pairs is shown beside it. Target ≥ 0.8. Each service
has a database of its own, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from pymongo import AsyncMongoClient

from harness import AUTH_HEADERS, BenchContext, Figure

NAME = "tracing_cost"
ROOT = Path(__file__).resolve().parents[1]
PAIRS = 6  # rounds per configuration
APPLICATIONS = 120  # per round
IN_FLIGHT = 16
OTLP = "http://127.0.0.1:4318"
VIEWER = "http://127.0.0.1:16686"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _viewer_running() -> bool:
    try:
        with urllib.request.urlopen(f"{VIEWER}/api/services", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _span_count(service: str) -> int:
    """How many traces of `service` the viewer holds (to show that the export really happened)."""
    end = int(time.time() * 1e6)
    # The in-memory store refuses a search deeper than its capacity (max_traces in infra/jaeger/config.yaml).
    query = f"{VIEWER}/api/traces?service={service}&limit=19999&start={end - 3_600_000_000}&end={end}"
    with urllib.request.urlopen(query, timeout=60) as response:
        import json

        return len(json.loads(response.read())["data"] or [])


class Enrollment:
    def __init__(self, ctx: BenchContext, database: str, otlp: str | None, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "ENROLLMENT_KAFKA_BOOTSTRAP_SERVERS": ctx.kafka, "ENROLLMENT_MONGO_URL": ctx.mongo_url,
               "ENROLLMENT_MONGO_DATABASE": database, "ENROLLMENT_LOG_LEVEL": "WARNING"}
        env.pop("ENROLLMENT_OTLP_ENDPOINT", None)
        if otlp:
            env["ENROLLMENT_OTLP_ENDPOINT"] = otlp
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "samla_enrollment.entrypoints.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)

    async def ready(self, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"enrollment exited with {self.process.returncode}")
            try:
                if (await client.get(f"{self.url}/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        raise RuntimeError("enrollment did not become ready")

    def cpu_seconds(self) -> float:
        """User + system CPU time the service process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # stuck on a database call that does not answer
            self.process.kill()
            self.process.wait(timeout=30)


async def _round(client: httpx.AsyncClient, url: str, n: int) -> tuple[float, Counter[int]]:
    """Post `n` applications, IN_FLIGHT at a time, each worker to a cohort of its own.

    Applications to one cohort are placed one after another (seats are never oversold),
    so one cohort for all would measure that queue; a cohort per worker lets the CPU,
    where span export costs, be the limit. Returns the throughput and the answers' statuses.
    """
    programme = await client.post(f"{url}/programmes", json={
        "code": "BENCH", "title": "Tracing cost", "network_id": "net-bench", "requires_manager_approval": False})
    now = datetime.now(UTC)
    cohorts = []
    for _ in range(IN_FLIGHT):
        cohort = await client.post(f"{url}/cohorts", json={
            "programme_id": programme.json()["id"], "term": "bench", "capacity": n,
            "applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=1)).isoformat()})
        cohorts.append(cohort.json()["id"])
    queue = list(range(n))
    statuses: Counter[int] = Counter()

    async def worker(cohort_id: str) -> None:
        while queue:
            i = queue.pop()
            response = await client.post(f"{url}/cohorts/{cohort_id}/applications", json={
                "participant": {"name": f"P {i}", "email": f"p{i}-{uuid.uuid4().hex[:6]}@example.no"},
                "manager": {"name": "L", "email": "leder@example.no"}, "organisation_id": "org", "unit_id": "unit"})
            statuses[response.status_code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(cohort_id) for cohort_id in cohorts))
    return n / (time.perf_counter() - started), statuses


async def run(ctx: BenchContext) -> list[Figure]:
    if not _viewer_running():
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), "start", "jaeger"], check=True)
    traces_before = _span_count("enrollment")
    run_id = uuid.uuid4().hex[:8]
    databases = {"off": f"bench_tracing_off_{run_id}", "on": f"bench_tracing_on_{run_id}"}
    logs = Path(os.environ.get("TMPDIR", "/tmp"))
    services = {"off": Enrollment(ctx, databases["off"], None, logs / f"bench-tracing-off-{run_id}.log"),
                "on": Enrollment(ctx, databases["on"], OTLP, logs / f"bench-tracing-on-{run_id}.log")}
    n = ctx.scaled(APPLICATIONS)
    results: dict[str, list[float]] = {"off": [], "on": []}
    cpu_ms: dict[str, list[float]] = {"off": [], "on": []}
    statuses: Counter[int] = Counter()
    try:
        async with httpx.AsyncClient(timeout=180, limits=httpx.Limits(max_connections=IN_FLIGHT * 2),
                                     headers=AUTH_HEADERS) as client:
            for service in services.values():
                await service.ready(client)
            await _round(client, services["off"].url, 40)  # warm both up: imports, indexes, connections
            await _round(client, services["on"].url, 40)
            for pair in range(PAIRS):
                for mode in (("off", "on") if pair % 2 == 0 else ("on", "off")):
                    cpu_before = services[mode].cpu_seconds()
                    throughput, answered = await _round(client, services[mode].url, n)
                    cpu_ms[mode].append((services[mode].cpu_seconds() - cpu_before) * 1000 / n)
                    results[mode].append(throughput)
                    statuses += answered
    finally:
        for service in services.values():
            service.stop()
        mongo = AsyncMongoClient(ctx.mongo_url)
        for database in databases.values():
            await mongo.drop_database(database)
        await mongo.close()
    ratios = sorted(on / off for on, off in zip(results["on"], results["off"], strict=True))
    cpu_ratios = sorted(off / on for on, off in zip(cpu_ms["on"], cpu_ms["off"], strict=True))
    await asyncio.sleep(4)  # the exporter sends its batch every 2 s
    exported = _span_count("enrollment") - traces_before
    note = f"{PAIRS} pairs of alternating rounds of {n} applications, {IN_FLIGHT} in flight"
    answers = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
    return [
        Figure(NAME, "submissions/s, trace export off (median)", statistics.median(results["off"]), "req/s", note),
        Figure(NAME, "submissions/s, OTLP export to Jaeger on (median)", statistics.median(results["on"]), "req/s",
               note),
        Figure(NAME, "ratio on/off (target >= 0.8), median of pairs", statistics.median(ratios), "x",
               f"pairs from {ratios[0]:.2f} to {ratios[-1]:.2f}; answers {answers}"),
        Figure(NAME, "service CPU per submission, export off (median)", statistics.median(cpu_ms["off"]), "ms",
               "user+system time of the service process"),
        Figure(NAME, "service CPU per submission, export on (median)", statistics.median(cpu_ms["on"]), "ms",
               "the export's cost shows here when throughput is bound by the database"),
        Figure(NAME, "CPU ratio off/on, median of pairs", statistics.median(cpu_ratios), "x",
               f"throughput the export would leave if the CPU were the limit; pairs {cpu_ratios[0]:.2f} to "
               f"{cpu_ratios[-1]:.2f}"),
        Figure(NAME, "new enrollment traces held by Jaeger", exported, "traces",
               f"the exporting service took {PAIRS * n + 40 + (PAIRS + 1) * (IN_FLIGHT + 1)} requests, each a trace "
               "(plus relay rounds that published): the export ran"),
    ]
