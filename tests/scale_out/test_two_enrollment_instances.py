"""Two enrollment processes behind one address, as a region running two pods: a rush of
applications for one cohort, each request sent to whichever instance comes next. One
instance holds the writer lease and writes; the other serves reads and forwards writes to
it (samla_shared.persistence.writer_election). The cohort is never oversold, its queue is
contiguous, and every change reaches Kafka once, in the cohort's order — also when the
writer is SIGKILLed in the middle of the rush and the standby takes over."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from samla_shared.contract import ENROLLMENT_TOPIC
from tests.faults.fault_stack import drop_database
from tests.scale_out.service_process import electing_instances, start_writer_then_standbys
from tests.support.kafka import header

pytestmark = pytest.mark.slow

SEATS = 30
LEASE_SECONDS = 3.0
IN_FLIGHT = 20


def applicant(run: str, n: int) -> dict[str, Any]:
    return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}.{run}@example.no"},
            "manager": {"name": "Leder", "email": f"leder.{run}@example.no"},
            "organisation_id": "org-1", "unit_id": "unit-1"}


class Instances:
    """Two enrollment processes sharing one database, consumer group and writer lease."""

    def __init__(self, kafka: str, mongo_url: str, database: str, tmp_path: Any) -> None:
        self.processes = electing_instances("enrollment", {
            "kafka_bootstrap_servers": kafka, "mongo_url": mongo_url, "mongo_database": database,
            "consumer_group": f"test-enrollment-scale-{database}", "consumer_offset_reset": "latest"},
            tmp_path, lease_seconds=LEASE_SECONDS)
        self._turn = itertools.cycle(self.processes)

    def next_url(self) -> str:
        """Round robin over the instances still running: the load balancer in front of them."""
        while True:
            process = next(self._turn)
            if process.process is not None and process.process.poll() is None:
                return process.url


async def send(client: httpx.AsyncClient, instances: Instances, method: str, path: str,
               body: dict[str, Any] | None = None, *, patience: float = 60.0) -> httpx.Response:
    """As a client behind a load balancer: a 503 (no writer right now) or a dropped connection is tried
    again, on the next instance, after a short pause."""
    deadline = time.monotonic() + patience
    while True:
        try:
            answer = await client.request(method, instances.next_url() + path, json=body)
            if answer.status_code != 503:
                return answer
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{method} {path}: no answer but 503 for {patience}s"
        await asyncio.sleep(0.3)


async def rush(client: httpx.AsyncClient, instances: Instances, cohort_id: str, bodies: list[dict[str, Any]],
               on_progress: Any = None) -> list[httpx.Response]:
    queue = list(enumerate(bodies))
    answers: list[httpx.Response | None] = [None] * len(bodies)

    async def worker() -> None:
        while queue:
            n, body = queue.pop(0)
            answers[n] = await send(client, instances, "POST", f"/cohorts/{cohort_id}/applications", body)
            if on_progress is not None:
                await on_progress(sum(a is not None for a in answers))

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return [a for a in answers if a is not None]


async def placements(client: httpx.AsyncClient, instances: Instances, cohort_id: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for status in ("enrolled", "waitlisted"):
        found[status] = []
        while True:
            page = await client.get(instances.next_url() + f"/cohorts/{cohort_id}/applications",
                                    params={"status": status, "offset": len(found[status]), "limit": 200})
            page.raise_for_status()
            if not page.json():
                break
            found[status].extend(page.json())
    return found


def first_occurrences(records: list[Any]) -> list[dict[str, Any]]:
    """The cohort's events as a consumer sees them: in partition order, a repeated ce_id dropped."""
    seen: set[str] = set()
    events = []
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        ce_id = header(record, "ce_id")
        if ce_id in seen:
            continue
        seen.add(ce_id)
        events.append({"type": header(record, "ce_type"), "data": json.loads(record.value)})
    return events


def check_cohort(answers: list[httpx.Response], placed: dict[str, list[dict]], events: list[dict[str, Any]],
                 applications: int) -> None:
    # Every applicant got an answer: a new application, or (a retry of one the killed writer had
    # taken before its answer was lost) the 409 naming it.
    assert len(answers) == applications and {a.status_code for a in answers} <= {201, 409}, \
        Counter(a.status_code for a in answers)
    assert len(placed["enrolled"]) == SEATS, "never oversold, never a seat left empty with people waiting"
    positions = sorted(a["waitlist_position"] for a in placed["waitlisted"])
    assert positions == list(range(1, applications - SEATS + 1)), "the queue is contiguous, each place once"
    people = [a["participant_id"] for status in placed.values() for a in status]
    assert len(people) == len(set(people)) == applications

    # On Kafka: each application's changes once; the cohort's own sequence increases in the
    # order a consumer reads them (one partition per cohort, the aggregate's order kept).
    kinds = Counter(e["type"] for e in events)
    assert kinds["ApplicationSubmitted"] == applications
    assert kinds["ParticipantEnrolled"] == SEATS
    assert kinds["ParticipantWaitlisted"] == applications - SEATS
    sequences = [e["data"]["cohort_sequence"] for e in events if e["data"].get("cohort_sequence") is not None]
    assert sequences == sorted(sequences) and len(sequences) == len(set(sequences))


async def programme_and_cohort(client: httpx.AsyncClient, instances: Instances) -> str:
    programme = await send(client, instances, "POST", "/programmes", {
        "code": "KULT-SCALE", "title": "Kulturkompetanse", "network_id": "net-scale",
        "requires_manager_approval": False})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await send(client, instances, "POST", "/cohorts", {
        "programme_id": programme.json()["id"], "term": "autumn-2027", "capacity": SEATS,
        "applications_open_at": (now - timedelta(hours=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]


async def cohort_events(topic_records: Any, cohort_id: str, since_ms: int, expected_enrolments: int,
                        wait_until: Any) -> list[dict[str, Any]]:
    async def all_there() -> list[dict[str, Any]] | None:
        events = first_occurrences(await topic_records(ENROLLMENT_TOPIC, key=cohort_id, since_ms=since_ms))
        placed = sum(e["type"] in ("ParticipantEnrolled", "ParticipantWaitlisted") for e in events)
        return events if placed >= expected_enrolments else None

    return await wait_until(all_there, timeout=120, interval=1.0)


@pytest.mark.parametrize("killed", [False, True], ids=["both-running", "writer-killed-mid-rush"])
async def test_two_instances_behind_one_address_take_a_rush_without_overselling_and_publish_each_change_once(
        killed, kafka_bootstrap, mongo_url, admin_headers, wait_until, topic_records, tmp_path):
    run = uuid.uuid4().hex[:8]
    database = f"test_enrollment_scale_{run}"
    instances = Instances(kafka_bootstrap, mongo_url, database, tmp_path)
    first = instances.processes[0]  # started first, so the writer
    applications = 300
    since_ms = int(time.time() * 1000) - 1000
    try:
        await start_writer_then_standbys(instances.processes, wait_until)  # a standby is ready for reads
        async with httpx.AsyncClient(headers=admin_headers, timeout=90) as client:
            cohort_id = await programme_and_cohort(client, instances)
            killed_at: list[int] = []

            async def kill_the_writer_part_way(answered: int) -> None:
                if killed and not killed_at and answered >= applications // 3:
                    killed_at.append(answered)
                    first.kill()  # the writer, mid-batch: requests in flight on it or forwarded to it are cut

            bodies = [applicant(run, n) for n in range(applications)]
            answers = await rush(client, instances, cohort_id, bodies, kill_the_writer_part_way)
            if killed:
                assert killed_at and first.process is not None and first.process.poll() is not None
            else:
                assert {a.status_code for a in answers} == {201}
            placed = await placements(client, instances, cohort_id)
            events = await cohort_events(topic_records, cohort_id, since_ms, applications, wait_until)
        check_cohort(answers, placed, events, applications)
        print(f"\n{'killed after ' + str(killed_at[0]) + ' answers; ' if killed else ''}"
              f"{Counter(a.status_code for a in answers)}, {len(placed['enrolled'])} enrolled, "
              f"{len(placed['waitlisted'])} waitlisted")
    finally:
        for process in instances.processes:
            process.stop()
        await drop_database(mongo_url, database)


async def test_a_writer_paused_past_its_lease_writes_nothing_more_and_stops_itself(
        kafka_bootstrap, mongo_url, admin_headers, wait_until, tmp_path):
    run = uuid.uuid4().hex[:8]
    database = f"test_enrollment_paused_{run}"
    instances = Instances(kafka_bootstrap, mongo_url, database, tmp_path)
    first, second = instances.processes
    try:
        await start_writer_then_standbys(instances.processes, wait_until)
        async with httpx.AsyncClient(headers=admin_headers, timeout=90) as client:
            cohort_id = await programme_and_cohort(client, instances)
            path = f"/cohorts/{cohort_id}/applications"
            assert (await client.post(second.url + path, json=applicant(run, 0))).status_code == 201  # forwarded

            assert first.process is not None
            first.process.send_signal(signal.SIGSTOP)  # a frozen VM, a long GC pause
            started = time.monotonic()

            async def second_writes() -> httpx.Response | None:
                answer = await client.post(second.url + path, json=applicant(run, 1))
                return answer if answer.status_code != 503 else None

            assert (await wait_until(second_writes, timeout=60, interval=0.5)).status_code == 201
            print(f"\nthe standby took over {time.monotonic() - started:.1f}s after the writer froze")
            # A request reaches the old writer while it is frozen; it is handled when it resumes.
            late = asyncio.create_task(client.post(first.url + path, json=applicant(run, 2)))
            await asyncio.sleep(0.5)
            first.process.send_signal(signal.SIGCONT)
            answer = await late
            # Forwarded to the new writer (201), or refused by the fence before the cohort write (503).
            assert answer.status_code in (201, 503), answer.text

            async def stopped() -> bool:
                return first.process is not None and first.process.poll() is not None

            await wait_until(stopped, timeout=60, interval=0.5)  # deposed, it stopped itself

            await send(client, instances, "POST", path, applicant(run, 2))  # tried again if refused (409 if not)

            async def three_placed() -> dict[str, list[dict]] | None:
                placed = await placements(client, instances, cohort_id)
                return placed if len(placed["enrolled"]) == 3 else None

            placed = await wait_until(three_placed, timeout=60, interval=0.5)
        assert len({a["participant_id"] for a in placed["enrolled"]}) == 3 and not placed["waitlisted"]
    finally:
        for process in instances.processes:
            if process.process is not None and process.process.poll() is None:
                process.process.send_signal(signal.SIGCONT)
            process.stop()
        await drop_database(mongo_url, database)
