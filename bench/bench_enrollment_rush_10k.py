"""A 10,000-application rush for 30 seats, against the 2,000 rush in the same run, and waitlist pages at 100 and 10,000.

One enrollment service (uvicorn on a loopback port, the same keep-alive HTTP/1.1 load as
bench_enrollment_rush, 200 in flight) takes, one after the other: an unmeasured warm-up
of 200 applicants, a cohort of 100 applicants, the 2,000 rush and the 10,000 rush, each
for its own cohort of 30 seats whose programme needs no manager approval (BENCH_SCALE
scales the three). The 10,000 rush runs last, on a database that already holds the
others: a request's cost must not grow with the size of a collection or of a waitlist.
Target: the 10,000 rush's throughput within 20 % of the 2,000 rush's (ratio ≥ 0.8).

The checks are what a coordinator would check of the 10,000 rush: exactly 30 enrolled
and 9,970 waitlisted, positions unique and contiguous in the answers, in the queue the
API lists page by page and in the events on `samla.enrollment.v1` (one
ApplicationSubmitted, ApplicationApproved and ParticipantEnrolled or
ParticipantWaitlisted per application, and the cohort's CohortOpened), and no 5xx or
dropped connection. Then a page of the waitlist (50 applications, as a coordinator reads
it) is timed at the head and at the tail of the 100-long and of the 10,000-long queue,
the median of several reads each; target: a page of the long queue ≤ 1.5× a page of the
short one. Timings are never asserted.

Before (cohort document holding the whole queue, rewritten by every batch; waitlist
pages read with `_id: {$in: ...}`, which FerretDB v1 answers by reading the whole
applications collection): 37 applications/s for 10,000 against 440/s for 2,000, p50
4.8 s, and about 5 s a waitlist page (issue 20). After: the queue is a log in slices of
500 places (one document each, keyed by cohort and slice), the cohort keeps its head and
counters, and a page reads its slices and its applications by `_id` only.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench_enrollment_rush import (
    IN_FLIGHT,
    KeepAliveConnection,
    Served,
    _drop,
    _placements,
    applicant,
    contiguous,
    http_client,
    read_cohort_events,
    warm_up_bodies,
)
from harness import BenchContext, Figure, latency_figures
from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

NAME = "enrollment_rush_10k"
LONG, SHORT_RUSH, SHORT_QUEUE = 10_000, 2_000, 100
SEATS = 30
PAGE = 50
READS = 7  # reads of each page; the median is reported
EVENTS_PER_APPLICATION = 3


async def tolerant_rush(port: int, path: str, bodies: list[dict[str, Any]]
                        ) -> tuple[float, list[float], list[tuple[int, Any]], int]:
    """As bench_enrollment_rush.rush, but a dropped connection is counted (status 0) and reopened."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    answers: list[tuple[int, Any]] = []
    dropped = 0

    async def worker() -> None:
        nonlocal dropped
        connection = await KeepAliveConnection(port).__aenter__()
        try:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                try:
                    answer = await connection.post(path, body)
                except (OSError, IndexError, ValueError, asyncio.IncompleteReadError):
                    dropped += 1
                    answers.append((0, None))
                    connection = await KeepAliveConnection(port).__aenter__()
                    continue
                latencies.append(time.perf_counter() - started)
                answers.append(answer)
        finally:
            connection.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(IN_FLIGHT, len(bodies)))))
    return time.perf_counter() - started, latencies, answers, dropped


async def page_seconds(client: httpx.AsyncClient, pages: dict[str, tuple[str, int]]) -> dict[str, float]:
    """The median time of reading each page of a waitlist (cohort id, offset), the pages read in turn
    so that a warming cache or a passing load weighs on all of them alike."""
    times: dict[str, list[float]] = {label: [] for label in pages}
    for _ in range(READS):
        for label, (cohort_id, offset) in pages.items():
            started = time.perf_counter()
            response = await client.get(f"/cohorts/{cohort_id}/applications",
                                        params={"status": "waitlisted", "offset": offset, "limit": PAGE})
            times[label].append(time.perf_counter() - started)
            response.raise_for_status()
            assert response.json(), f"no page at {offset}"
    return {label: statistics.median(seconds) for label, seconds in times.items()}


async def run(ctx: BenchContext) -> list[Figure]:
    long_n, short_n, queue_n = ctx.scaled(LONG), ctx.scaled(SHORT_RUSH), max(ctx.scaled(SHORT_QUEUE), SEATS + PAGE)
    run_id = uuid.uuid4().hex[:8]
    load_at_start = os.getloadavg()[0]
    database = f"bench_enrollment_{uuid.uuid4().hex[:8]}"
    settings = EnrollmentSettings(kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
                                  run_consumers=False, log_level="WARNING")
    since_ms = int(time.time() * 1000)
    try:
        async with Served(create_app(settings)) as served, http_client(served.url) as client:
            while (await client.get("/health/ready")).status_code != 200:
                await asyncio.sleep(0.1)
            programme = (await client.post("/programmes", json={
                "code": "KULT-RUSH", "title": "Kulturkompetanse", "network_id": "net-sor-ost",
                "requires_manager_approval": False})).json()
            now = datetime.now(UTC)

            async def new_cohort() -> str:
                cohort = await client.post("/cohorts", json={
                    "programme_id": programme["id"], "term": "autumn-2027", "capacity": SEATS,
                    "applications_open_at": (now - timedelta(hours=1)).isoformat(),
                    "applications_close_at": (now + timedelta(days=30)).isoformat()})
                return cohort.json()["id"]

            async def rush_to_new_cohort(tag: str, n: int) -> tuple[str, tuple[Any, ...]]:
                cohort_id = await new_cohort()
                bodies = [applicant(f"{run_id}{tag}", i) for i in range(n)]
                return cohort_id, await tolerant_rush(served.port, f"/cohorts/{cohort_id}/applications", bodies)

            await tolerant_rush(served.port, f"/cohorts/{await new_cohort()}/applications",
                                warm_up_bodies([applicant(run_id, i) for i in range(IN_FLIGHT)]))
            short_queue, _ = await rush_to_new_cohort("q", queue_n)
            _, (short_wall, short_latencies, short_answers, short_dropped) = await rush_to_new_cohort("s", short_n)
            long_cohort, (long_wall, long_latencies, long_answers, long_dropped) = await rush_to_new_cohort("l", long_n)
            shown = (await client.get(f"/cohorts/{long_cohort}")).json()
            placed = await _placements(client, long_cohort)
            short_label, long_label = f"{queue_n - SEATS:,}", f"{long_n - SEATS:,}"
            pages = await page_seconds(client, {
                f"{short_label}, head": (short_queue, 0),
                f"{short_label}, tail": (short_queue, queue_n - SEATS - PAGE),
                f"{long_label}, head": (long_cohort, 0),
                f"{long_label}, tail": (long_cohort, long_n - SEATS - PAGE),
            })
            expected = long_n * EVENTS_PER_APPLICATION + 1
            events = await read_cohort_events(ctx.kafka, long_cohort, since_ms, expected, timeout=300)
    finally:
        await _drop(ctx.mongo_url, database)

    statuses = Counter(status for status, _ in long_answers)
    enrolled = sum(a["status"] == "enrolled" for a in placed)
    listed = [a["waitlist_position"] for a in placed if a["status"] == "waitlisted"]
    answered = [body["waitlist_position"] for status, body in long_answers
                if status == 201 and body["status"] == "waitlisted"]
    event_types = Counter(e["type"] for e in events)
    event_positions = [e["data"]["position"] for e in events if e["type"] == "ParticipantWaitlisted"]
    queue_in_order = event_positions == sorted(event_positions)  # one partition per key: published in order
    missing = expected - len(events)
    long_rate, short_rate = long_n / long_wall, short_n / short_wall
    short_page = max(pages[f"{short_label}, head"], pages[f"{short_label}, tail"])
    long_page = max(pages[f"{long_label}, head"], pages[f"{long_label}, tail"])
    checks = {
        f"exactly {SEATS} enrolled": enrolled == SEATS and shown["seats_taken"] == SEATS,
        f"{long_n - SEATS} waitlisted": len(listed) == long_n - SEATS == shown["waitlist_length"],
        "positions unique and contiguous (API, answers, events)":
            contiguous(listed) and contiguous(answered) and contiguous(event_positions),
        "waitlist events in queue order": queue_in_order,
        "no 5xx, nothing dropped": not any(code >= 500 for code in statuses) and long_dropped + short_dropped == 0,
        "no event missing": missing == 0 and event_types["ParticipantEnrolled"] == SEATS,
    }
    verdict = "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items())
    figures = [
        Figure(NAME, f"{long_n} rush: submissions/s", long_rate, "req/s", f"{long_n} applications, {IN_FLIGHT} in flight"),
        Figure(NAME, f"{short_n} rush: submissions/s", short_rate, "req/s", "same service, same run, just before"),
        Figure(NAME, f"ratio {long_n} rush / {short_n} rush", long_rate / short_rate, "x", "target ≥ 0.8"),
        *latency_figures(NAME, f"{long_n} rush submission", long_latencies),
        *latency_figures(NAME, f"{short_n} rush submission", short_latencies),
        *[Figure(NAME, f"waitlist page of {PAGE}, queue of {label}", seconds * 1000, "ms", f"median of {READS} reads, the four pages in turn")
          for label, seconds in pages.items()],
        Figure(NAME, "slowest page: long queue / short queue", long_page / short_page, "x",
               f"queues of {long_n - SEATS} and {queue_n - SEATS}; target ≤ 1.5"),
        Figure(NAME, "5xx answers and dropped connections", sum(v for k, v in statuses.items() if k >= 500 or k == 0)
               + short_dropped, "responses", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))),
        Figure(NAME, "events on Kafka for the cohort", len(events), "events",
               f"expected {expected}; " + ", ".join(f"{k} {v}" for k, v in sorted(event_types.items()))),
        Figure(NAME, "checks", sum(checks.values()), "passed", verdict),
        Figure(NAME, "machine load (1-minute average)", os.getloadavg()[0], "runnable",
               f"{load_at_start:.1f} at the start; other work on this machine slows both sides"),
    ]
    if not all(checks.values()):
        print("   CHECK FAILED: " + verdict, flush=True)
    return figures
