"""Roster latency: from the enrollment API's 201 to the participant on the sessions roster, p50 and p99.

The enrollment and sessions apps run in this process against the real Kafka and
FerretDB, each with its own database. 300 applications go one at a time to a cohort
whose programme needs no manager approval, so each 201 means "enrolled". The clock
starts when the 201 arrives and stops when the participant's roster entry is in the
sessions database (polled by id every few milliseconds): outbox write, relay, Kafka,
sessions consumer and roster write all lie in between. Baseline, in the same run: a raw
aiokafka round trip on the same topic (produce with acks=all, until an assigned
consumer receives the record), the floor any Kafka-carried projection stands on.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from harness import AUTH_HEADERS, BenchContext, Figure, latency_figures
from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled
from samla_shared.messaging.kafka_admin import topic_partitions
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings

NAME = "sessions_latency"
APPLICATIONS = 300
POLL = 0.003


def in_process(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",  # type: ignore[arg-type]
                             headers=AUTH_HEADERS)


async def ready(client: httpx.AsyncClient) -> None:
    while (await client.get("/health/ready")).status_code != 200:
        await asyncio.sleep(0.1)


async def samla_latencies(ctx: BenchContext, n: int, run_id: str) -> list[float]:
    databases = {"enrollment": f"bench_enrollment_{run_id}", "sessions": f"bench_sessions_{run_id}"}
    enrollment_app = create_enrollment(EnrollmentSettings(
        kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=databases["enrollment"],
        consumer_group=f"bench-enrollment-{run_id}", consumer_offset_reset="latest", environment="test",
        log_level="WARNING"))
    sessions_app = create_sessions(SessionsSettings(
        kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=databases["sessions"],
        consumer_group=f"bench-sessions-{run_id}", consumer_offset_reset="latest", environment="test",
        log_level="WARNING"))
    mongo = AsyncMongoClient(ctx.mongo_url)
    roster = mongo[databases["sessions"]].roster
    latencies = []
    try:
        async with LifespanManager(enrollment_app, startup_timeout=60), \
                LifespanManager(sessions_app, startup_timeout=60), \
                in_process(enrollment_app) as enrollment, in_process(sessions_app) as sessions:
            await ready(enrollment)
            await ready(sessions)
            programme = await enrollment.post("/programmes", json={
                "code": "KULT-LAT", "title": "Kulturkompetanse", "network_id": "net-bench",
                "requires_manager_approval": False})
            programme.raise_for_status()
            now = datetime.now(UTC)
            cohort = await enrollment.post("/cohorts", json={
                "programme_id": programme.json()["id"], "term": "autumn-2027", "capacity": n + 10,
                "applications_open_at": (now - timedelta(hours=1)).isoformat(),
                "applications_close_at": (now + timedelta(days=30)).isoformat()})
            cohort.raise_for_status()
            cohort_id = cohort.json()["id"]
            for i in range(n):
                response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
                    "participant": {"name": f"Deltaker {i}", "email": f"deltaker{i}.{run_id}@example.no"},
                    "manager": {"name": "Leder", "email": f"leder.{run_id}@example.no"},
                    "organisation_id": "org-bench", "unit_id": "unit-bench"})
                started = time.perf_counter()
                if response.status_code != 201 or response.json()["status"] != "enrolled":
                    raise RuntimeError(f"application {i} was not enrolled: {response.status_code} {response.text}")
                entry = f"{cohort_id}:{response.json()['id']}"
                while await roster.find_one({"_id": entry}, {"_id": 1}) is None:
                    await asyncio.sleep(POLL)
                latencies.append(time.perf_counter() - started)
    finally:
        for database in databases.values():
            await mongo.drop_database(database)
        await mongo.close()
    return latencies


async def kafka_round_trips(ctx: BenchContext, n: int, run_id: str) -> list[float]:
    admin = AIOKafkaAdminClient(bootstrap_servers=ctx.kafka)
    await admin.start()
    try:
        partitions = await topic_partitions(admin, ENROLLMENT_TOPIC)
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=ctx.kafka, enable_auto_commit=False, fetch_max_wait_ms=500)
    producer = AIOKafkaProducer(bootstrap_servers=ctx.kafka, acks="all")
    await consumer.start()
    await producer.start()
    arrivals: dict[str, asyncio.Future[float]] = {}

    async def receive() -> None:
        while True:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    waiting = arrivals.get(dict(record.headers).get("ce_id", b"").decode())
                    if waiting is not None and not waiting.done():
                        waiting.set_result(time.perf_counter())

    try:
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)  # resolve the end now, before anything is produced
        receiver = asyncio.create_task(receive())
        latencies = []
        for i in range(n):
            event = CloudEvent(data=ParticipantEnrolled(
                network_id="net-bench", cohort_id=f"bench-rtt-{run_id}", programme_id="bench",
                application_id=f"app-{run_id}-{i}", participant_id=f"person-{run_id}-{i}",
                organisation_id="org-bench", unit_id="unit-bench", cohort_sequence=i + 1),
                source="/samla/bench/enrollment")
            arrived = arrivals[event.id] = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            await producer.send_and_wait(ENROLLMENT_TOPIC, event.value(), key=event.subject.encode(),
                                         headers=[(k, v.encode()) for k, v in event.headers().items()])
            latencies.append(await asyncio.wait_for(arrived, timeout=30) - started)
            del arrivals[event.id]
        receiver.cancel()
        return latencies
    finally:
        await producer.stop()
        await consumer.stop()


async def run(ctx: BenchContext) -> list[Figure]:
    n = ctx.scaled(APPLICATIONS)
    run_id = uuid.uuid4().hex[:8]
    samla = await samla_latencies(ctx, n, run_id)
    floor = await kafka_round_trips(ctx, n, run_id)
    ratio = sorted(samla)[len(samla) // 2] / sorted(floor)[len(floor) // 2]
    return [
        *latency_figures(NAME, "201 → on the sessions roster", samla),
        *latency_figures(NAME, "raw Kafka produce → consume", floor),
        Figure(NAME, "p50 ratio (Samla / raw Kafka)", ratio, "x", f"{n} sequential applications"),
    ]
