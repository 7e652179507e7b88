"""Rush with seat offers on: withdrawals, offers answered and new applicants at once, never oversold.

The variant of the enrollment rush (bench_enrollment_rush) for programmes with `offer_days`:
a cohort of 30 seats is filled by a rush of 1,000 applications; then, all at once, 20
seated participants withdraw, 200 more people apply, and everyone offered a freed seat
answers as soon as they see the offer (alternately accepting and declining; a decline
moves the seat on to the next in the queue, who is offered it in turn). Throughout, the
cohort is read and must never hold more seats taken plus seats on offer than it has;
at the end every seat is taken, no offer is left open, the queue is contiguous, and the
events on Kafka match what the API shows (one SeatOffered per offer, one
SeatOfferAccepted or SeatOfferDeclined per answer, one ParticipantEnrolled per seat).
Timings are reported, never asserted.

Run once on the 2-core development machine, shared FerretDB and Kafka, load 7.7-9.1 from
other work (docs/benchmarks.md): fill 198 submissions/s (1,000, p50 1.0 s); the churn took
71 s until every freed seat was taken — 39 offers, 20 accepted, 19 declined, answered one
at a time as seen, each waiting for its cohort batch; at most 30 of 30 seats were taken or
on offer in any of 469 reads; all six checks passed, 3,738 of 3,738 events on Kafka.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bench_enrollment_rush import (
    IN_FLIGHT,
    SEATS,
    Served,
    _drop,
    _placements,
    applicant,
    contiguous,
    http_client,
    read_cohort_events,
    rush,
)
from harness import BenchContext, Figure, latency_figures
from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

NAME = "enrollment_rush_offers"
APPLICATIONS = 1000
WITHDRAWALS = 20
LATE_APPLICANTS = 200


async def run(ctx: BenchContext) -> list[Figure]:
    n = ctx.scaled(APPLICATIONS)
    seats = min(SEATS, n)
    withdrawals = min(WITHDRAWALS, seats)
    late = ctx.scaled(LATE_APPLICANTS)
    run_id = uuid.uuid4().hex[:8]
    database = f"bench_offers_{uuid.uuid4().hex[:8]}"
    settings = EnrollmentSettings(kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
                                  run_consumers=False, log_level="WARNING")
    since_ms = int(time.time() * 1000)
    load_at_start = os.getloadavg()[0]
    try:
        async with Served(create_app(settings)) as served, http_client(served.url) as client:
            while (await client.get("/health/ready")).status_code != 200:
                await asyncio.sleep(0.1)
            programme = (await client.post("/programmes", json={
                "code": "KULT-OFFERS", "title": "Kulturkompetanse", "network_id": "net-sor-ost",
                "requires_manager_approval": False, "offer_days": 3})).json()
            now = datetime.now(UTC)
            cohort_id = (await client.post("/cohorts", json={
                "programme_id": programme["id"], "term": "autumn-2027", "capacity": seats,
                "applications_open_at": (now - timedelta(hours=1)).isoformat(),
                "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()["id"]
            path = f"/cohorts/{cohort_id}/applications"
            fill_wall, fill_latencies, fill_answers = await rush(served.port, path,
                                                                 [applicant(run_id, i) for i in range(n)])
            seated = [a["id"] for a in (await client.get(path, params={"status": "enrolled", "limit": 200})).json()]

            answered: dict[str, str] = {}
            peak = {"held": 0, "reads": 0}
            settled = asyncio.Event()

            async def withdraw(application_id: str) -> int:
                return (await client.post(f"/applications/{application_id}/withdrawal",
                                          json={"reason": "bench"})).status_code

            async def answer_offers() -> None:
                """Every offer is answered as soon as it is seen: accept, decline, accept, ..."""
                while not settled.is_set():
                    offered = (await client.get(path, params={"status": "offered", "limit": 200})).json()
                    for application in offered:
                        if application["id"] in answered:
                            continue
                        choice = "accept" if len(answered) % 2 == 0 else "decline"
                        answered[application["id"]] = choice
                        response = await client.post(f"/applications/{application['id']}/offer",
                                                     json={"answer": choice})
                        assert response.status_code == 200, response.text
                    await asyncio.sleep(0.05)

            async def watch_seats() -> None:
                while not settled.is_set():
                    shown = (await client.get(f"/cohorts/{cohort_id}")).json()
                    peak["held"] = max(peak["held"], shown["seats_taken"] + shown["seats_on_offer"])
                    peak["reads"] += 1
                    if shown["seats_taken"] == seats and shown["seats_on_offer"] == 0 and phase_done.is_set():
                        settled.set()
                    await asyncio.sleep(0.05)

            phase_done = asyncio.Event()

            async def churn() -> tuple[float, list[int], list[tuple[int, Any]]]:
                started = time.perf_counter()
                codes, (_, _, late_answers) = await asyncio.gather(
                    asyncio.gather(*(withdraw(a) for a in seated[:withdrawals])),
                    rush(served.port, path, [applicant(run_id + "late", i) for i in range(late)]))
                phase_done.set()
                await settled.wait()
                return time.perf_counter() - started, list(codes), late_answers

            (churn_wall, withdrawal_codes, late_answers), _, _ = await asyncio.wait_for(
                asyncio.gather(churn(), answer_offers(), watch_seats()), timeout=600)
            shown = (await client.get(f"/cohorts/{cohort_id}")).json()
            placed = await _placements(client, cohort_id)
            accepted = sum(choice == "accept" for choice in answered.values())
            declined = len(answered) - accepted
            # CohortOpened; per application Submitted, Approved, Enrolled|Waitlisted; per withdrawal a
            # ParticipantWithdrawn; per offer SeatOffered and its answer; per decline a ParticipantWithdrawn;
            # per acceptance a ParticipantEnrolled.
            total = n + late
            expected = 1 + 3 * total + withdrawals + 2 * len(answered) + declined + accepted
            events = await read_cohort_events(ctx.kafka, cohort_id, since_ms, expected)
    finally:
        await _drop(ctx.mongo_url, database)

    types = Counter(e["type"] for e in events)
    statuses = Counter(status for status, _ in fill_answers + late_answers)
    waitlisted = [a["waitlist_position"] for a in placed if a["status"] == "waitlisted"]
    enrolled = sum(a["status"] == "enrolled" for a in placed)
    checks = {
        "never oversold (taken + on offer <= seats, every read)": peak["held"] <= seats,
        f"all {seats} seats taken, no offer open": enrolled == seats == shown["seats_taken"]
        and shown["seats_on_offer"] == 0,
        f"{withdrawals} seats freed by withdrawal, refilled by {accepted} acceptances":
            accepted == withdrawals and all(code == 200 for code in withdrawal_codes),
        "queue contiguous": contiguous(waitlisted) and len(waitlisted) == shown["waitlist_length"],
        "no 5xx": not any(code >= 500 for code in statuses),
        "events match": len(events) == expected and types["SeatOffered"] == len(answered)
        and types["SeatOfferAccepted"] == accepted and types["SeatOfferDeclined"] == declined,
    }
    verdict = "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items())
    figures = [
        Figure(NAME, "fill: Samla submissions/s", n / fill_wall, "req/s", f"{n} applications, {IN_FLIGHT} in flight"),
        *latency_figures(NAME, "fill submission", fill_latencies),
        Figure(NAME, "churn: until every freed seat was taken", churn_wall, "s",
               f"{withdrawals} withdrawals and {late} new applicants at once, offers answered as seen"),
        Figure(NAME, "offers made", types["SeatOffered"], "offers", f"{accepted} accepted, {declined} declined"),
        Figure(NAME, "most seats held at once (taken + on offer)", peak["held"], "seats",
               f"capacity {seats}; {peak['reads']} reads during the churn"),
        Figure(NAME, "events on Kafka for the cohort", len(events), "events",
               f"expected {expected}; " + ", ".join(f"{k} {v}" for k, v in sorted(types.items()))),
        Figure(NAME, "checks", sum(checks.values()), "passed", verdict),
        Figure(NAME, "machine load (1-minute average)", os.getloadavg()[0], "runnable",
               f"{load_at_start:.1f} at the start"),
    ]
    if not all(checks.values()):
        print("   CHECK FAILED: " + verdict, flush=True)
    return figures
