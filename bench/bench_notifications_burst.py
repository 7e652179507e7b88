"""Notifications burst: 5,000 events mailed over real SMTP, against a raw aiokafka consumer; API-to-inbox latency.

Throughput: 5,000 ParticipantWaitlisted events (spread over 50 cohorts, one mail each) are
put on `samla.enrollment.v1` at once. The notifications service, run in this process on
the real Kafka and FerretDB, reads them, asks a contact directory (a small HTTP server
speaking enrollment's `/people/{id}/contact`) for each address, renders the Norwegian
templates, records each delivery and hands the mail to an SMTP server (aiosmtpd on
loopback, counting what it accepts). Figure: mails accepted per second, from the first
record produced to the last mail accepted. The service runs with its default batch
consumption (`event_batch_size=50`, `event_concurrency=8`).

Baseline, in the same run and on the same records: a raw aiokafka consumer (a group of
its own, auto-commit) that parses each record's JSON and sends one plain mail per record
over one kept SMTP connection to a sink of the same kind: the least any mailer consuming
these events must do. Ratio = notifications/s ÷ raw mails/s; the difference is the price
of the contact look-up, the templates and the delivery log that makes a mail go out once.
A read-only raw consumer (parse, no mail) is shown for scale.

The run also checks what a recipient would notice: every participant got exactly one
mail, and the delivery log holds one `sent` record per participant.

Latency: applications are posted one at a time to the real enrollment API (this process,
uvicorn on a loopback port, so notifications can ask it for contact details). For each,
the time from the 201 answer to the applicant's confirmation mail arriving at the SMTP
server: outbox relay → Kafka → notifications consumer → contact look-up → render → SMTP.

Runs (notifications / raw mailer in the same run; docs/profiles/README.md has the flame
graphs of before and after):

    before (one contact request, preferences read, claim and outcome per mail; EmailMessage
    composing), 2026-11-25:                                     100 / 629 mails/s = 0.16
    before, under py-spy, load 1.7-4.2:                          78 / 831 = 0.09
    after (one POST /people/contacts and one preferences query per consumed batch, claims
    and outcomes of mails in flight as one command each, compat32 MIME composing), under
    py-spy on a FerretDB of its own, load 6.6-7.2:              166 / 613 = 0.27
    after, 2026-12-06 17:21, load 0.1-1.7 (table below):        196 / 698 = 0.28

What is left per mail is waiting for FerretDB v1: the claim written before the mail goes,
the erasure check read after the claim, the outcome written after the server's 250 (10-18 ms
a command under load). Those three are the exactly-once and erasure guarantees; the raw
mailer has none of them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Response
from pymongo import AsyncMongoClient

from harness import AUTH_HEADERS, BenchContext, Figure, latency_figures
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import CohortOpened, ParticipantWaitlisted, ProgrammePublished, ProgrammeUpdated
from samla_shared.contract.measures import MeasureEvaluated
from samla_shared.contract.sessions import SessionRescheduled
from samla_notifications.entrypoints.app import create_app
from samla_notifications.settings import NotificationsSettings

NAME = "notifications_burst"
EVENTS = 5000
COHORTS = 50
APPLICATIONS = 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingSink:
    """aiosmtpd handler: accepts every message and notes when it arrived, per recipient."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook)
        now = time.perf_counter()
        for recipient in envelope.rcpt_tos:
            self.arrivals.setdefault(recipient, now)
        self.count += 1
        return "250 Message accepted for delivery"


class Served:
    """An ASGI app under uvicorn on a loopback port, in this process and event loop."""

    def __init__(self, app: Any, lifespan: str = "off") -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False, lifespan=lifespan))

    async def __aenter__(self) -> "Served":
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.should_exit = True
        await self.task


def contact_directory(people: dict[str, str]) -> FastAPI:
    """Enrollment's two contact endpoints over a dict: one person, and many at once."""
    app = FastAPI()

    def details(person_id: str) -> dict[str, Any]:
        return {"person_id": person_id, "name": f"Deltaker {person_id[-4:]}", "email": people[person_id],
                "phone": None, "language": None}

    @app.get("/people/{person_id}/contact")
    async def contact(person_id: str) -> Response:
        if person_id not in people:
            return Response(status_code=404)
        return Response(json.dumps(details(person_id)), media_type="application/json")

    @app.post("/people/contacts")
    async def contacts(body: dict[str, list[str]]) -> Response:
        found = [details(person_id) for person_id in body["person_ids"] if person_id in people]
        return Response(json.dumps({"contacts": found}), media_type="application/json")

    return app


def notifications_settings(ctx: BenchContext, smtp_port: int, enrollment_url: str, database: str
                           ) -> NotificationsSettings:
    return NotificationsSettings(
        environment="test", kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url, mongo_database=database,
        consumer_group=f"bench-notifications-{uuid.uuid4().hex[:8]}", consumer_offset_reset="latest",
        smtp_port=smtp_port, enrollment_url=enrollment_url, smtp_connections=4, log_level="WARNING")


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.1)


async def settle(producer: AIOKafkaProducer, db: Any) -> None:
    """Wait until the service's three consumers read their topics (they start at "latest").

    Each topic gets a probe event that leaves a trace in the service's read model; probes
    are sent again until all three traces exist, so none is lost to a late rebalance.
    """
    network = f"probe-{uuid.uuid4().hex[:6]}"
    probes = [
        ("programmes", f"{network}-p", ProgrammeUpdated(network_id=network, programme_id=f"{network}-p", code="P",
                                                          title="probe", language="nb")),
        ("sessions", f"{network}-s", SessionRescheduled(
            network_id=network, cohort_id=f"{network}-c", session_id=f"{network}-s", reason="probe",
            starts_at=datetime.now(UTC) - timedelta(days=2), ends_at=datetime.now(UTC) - timedelta(days=1))),
        ("measures", f"{network}-m", MeasureEvaluated(network_id=network, measure_id=f"{network}-m",
                                                      organisation_id="o", unit_ids=["u"], area="culture_and_values",
                                                      evaluated_on=datetime.now(UTC).date())),
    ]
    deadline = time.monotonic() + 120
    while True:
        missing = [(c, i, e) for c, i, e in probes if await db[c].find_one({"_id": i}) is None]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the consumers did not settle; no trace in {[c for c, _, _ in missing]}")
        for _, _, event in missing:
            await produce(producer, event)
        await asyncio.sleep(0.5)


async def produce(producer: AIOKafkaProducer, event: Any) -> Any:
    cloud = CloudEvent(data=event, source="/samla/bench/enrollment")
    return await producer.send(cloud.topic, cloud.value(), key=cloud.subject.encode(),
                               headers=[(k, v.encode()) for k, v in cloud.headers().items()])


async def read_burst(ctx: BenchContext, starts: dict[TopicPartition, int], ends: dict[TopicPartition, int],
                     ours: set[tuple[int, int]],
                     per_record: Callable[[dict[str, Any]], Awaitable[None]] | None = None) -> float:
    """Seconds for a bare aiokafka consumer to read the burst's records, parse them and do `per_record`.

    Other work on the machine writes to the same topic; its records between the burst's are
    read and skipped (the service reads them too), only the burst's (`ours`) are handled.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=ctx.kafka, group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
                                enable_auto_commit=True)
    await consumer.start()
    try:
        consumer.assign(list(starts))
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        wanted = sum(ends[tp] - starts[tp] for tp in starts)
        seen = 0
        started = time.perf_counter()
        while seen < wanted:
            for tp, records in (await consumer.getmany(timeout_ms=1000, max_records=1000)).items():
                for record in records:
                    if record.offset < ends[tp]:
                        seen += 1
                        if (record.partition, record.offset) not in ours:
                            continue
                        body = json.loads(record.value)
                        if per_record is not None:
                            await per_record(body)
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def raw_mailer_rate(ctx: BenchContext, starts: dict[TopicPartition, int], ends: dict[TopicPartition, int],
                          ours: set[tuple[int, int]], people: dict[str, str]) -> tuple[float, int]:
    """Mails per second for a raw consumer sending one plain mail per record over one kept SMTP connection."""
    sink = CountingSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    connection = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp.port)
    await connection.connect()

    async def mail(body: dict[str, Any]) -> None:
        message = EmailMessage()
        message["From"] = "no-reply@samla.local"
        message["To"] = people[body["participant_id"]]
        message["Subject"] = "Venteliste"
        message.set_content(f"Plass {body['position']}")
        await connection.send_message(message)

    try:
        seconds = await read_burst(ctx, starts, ends, ours, mail)
    finally:
        await connection.quit()
        smtp.stop()
    return sink.count / seconds, sink.count


async def burst(ctx: BenchContext) -> list[Figure]:
    events = ctx.scaled(EVENTS)
    run = uuid.uuid4().hex[:6]
    people = {f"bench-{run}-{n:05d}": f"deltaker{n}.{run}@example.no" for n in range(events)}
    sink = CountingSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    database = f"bench_notifications_{run}"
    mongo = AsyncMongoClient(ctx.mongo_url, tz_aware=True, socketTimeoutMS=15000)
    producer = AIOKafkaProducer(bootstrap_servers=ctx.kafka, acks="all", linger_ms=5)
    await producer.start()
    try:
        async with Served(contact_directory(people)) as directory:
            app = create_app(notifications_settings(ctx, smtp.port, directory.url, database))
            async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications",
                                           headers=AUTH_HEADERS)

                async def ready() -> bool:
                    return (await client.get("/health/ready")).status_code == 200

                await wait_for(ready, 60, "readiness")
                await settle(producer, mongo[database])
                cohorts = []
                for n in range(COHORTS):
                    cohort = {"network_id": "net-bench", "cohort_id": f"cohort-{run}-{n}",
                              "programme_id": f"prog-{run}"}
                    cohorts.append(cohort)
                    await produce(producer, CohortOpened(
                        **cohort, term="høst-2027", location="Bodø", capacity=30,
                        applications_open_at=datetime.now(UTC), applications_close_at=datetime.now(UTC)
                        + timedelta(days=30)))
                await produce(producer, ProgrammePublished(network_id="net-bench", programme_id=f"prog-{run}",
                                                           code="B", title="Benk", language="nb"))
                await producer.flush()

                started = time.perf_counter()
                sent = [await produce(producer, ParticipantWaitlisted(
                    **cohorts[n % COHORTS], application_id=f"app-{person}", participant_id=person,
                    organisation_id="org-1", unit_id="unit-1", position=n // COHORTS + 1,
                    cohort_sequence=n // COHORTS + 1)) for n, person in enumerate(people)]
                metadata = await asyncio.gather(*sent)

                async def all_mailed() -> bool:
                    return len(sink.arrivals) >= events

                await wait_for(all_mailed, 1800, f"{events} mails")
                elapsed = time.perf_counter() - started

                async def all_logged() -> bool:
                    return await mongo[database].deliveries.count_documents({"status": "sent"}) >= events

                await wait_for(all_logged, 120, f"{events} deliveries logged as sent")
                logged = await mongo[database].deliveries.count_documents({"status": "sent"})
                await client.aclose()
    finally:
        await producer.stop()
        smtp.stop()
        await mongo.drop_database(database)
        await mongo.close()

    starts: dict[TopicPartition, int] = {}
    ends: dict[TopicPartition, int] = {}
    for record in metadata:
        tp = TopicPartition(record.topic, record.partition)
        starts[tp] = min(starts.get(tp, record.offset), record.offset)
        ends[tp] = max(ends.get(tp, record.offset + 1), record.offset + 1)
    ours = {(record.partition, record.offset) for record in metadata}
    raw_read = len(metadata) / await read_burst(ctx, starts, ends, ours)
    raw, raw_mails = await raw_mailer_rate(ctx, starts, ends, ours, people)
    rate = events / elapsed
    duplicates = sink.count - len(sink.arrivals)
    return [
        Figure(NAME, f"notifications/s, burst of {events} events (one mail each)", rate, "mails/s",
               "contact look-up, templates, delivery log, SMTP per event"),
        Figure(NAME, "raw aiokafka consumer + one SMTP mail per record", raw, "mails/s",
               f"same {raw_mails} records, one kept SMTP connection"),
        Figure(NAME, "ratio notifications / raw mailer", rate / raw, "x", "measured in the same run"),
        Figure(NAME, "raw aiokafka consumer, parse only", raw_read, "records/s", "for scale"),
        Figure(NAME, "participants mailed", len(sink.arrivals), "people", f"of {events}"),
        Figure(NAME, "duplicate mails", duplicates, "mails", "expected 0"),
        Figure(NAME, "deliveries logged as sent", logged, "records", f"expected {events}"),
    ]


async def api_to_inbox(ctx: BenchContext) -> list[Figure]:
    """Latency from enrollment's 201 to the confirmation mail in the SMTP server."""
    from samla_enrollment.entrypoints.app import create_app as create_enrollment
    from samla_enrollment.settings import EnrollmentSettings

    applications = ctx.scaled(APPLICATIONS)
    run = uuid.uuid4().hex[:6]
    sink = CountingSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    databases = [f"bench_enrollment_{run}", f"bench_notifications_e2e_{run}"]
    mongo = AsyncMongoClient(ctx.mongo_url, socketTimeoutMS=15000)
    producer = AIOKafkaProducer(bootstrap_servers=ctx.kafka, acks="all")
    await producer.start()
    latencies: list[float] = []
    try:
        enrollment_app = create_enrollment(EnrollmentSettings(
            environment="test", kafka_bootstrap_servers=ctx.kafka, mongo_url=ctx.mongo_url,
            mongo_database=databases[0], run_consumers=False, log_level="WARNING"))
        async with Served(enrollment_app, lifespan="on") as enrollment:
            app = create_app(notifications_settings(ctx, smtp.port, enrollment.url, databases[1]))
            async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
                notifications = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n", headers=AUTH_HEADERS)
                api = httpx.AsyncClient(base_url=enrollment.url, timeout=30, headers=AUTH_HEADERS)

                async def ready() -> bool:
                    return all([(await notifications.get("/health/ready")).status_code == 200,
                                (await api.get("/health/ready")).status_code == 200])

                await wait_for(ready, 60, "readiness")
                await settle(producer, mongo[databases[1]])
                programme = (await api.post("/programmes", json={
                    "code": "E2E", "title": "Ende til ende", "network_id": "net-bench",
                    "requires_manager_approval": False})).json()
                now = datetime.now(UTC)
                cohort = (await api.post("/cohorts", json={
                    "programme_id": programme["id"], "term": "høst-2027", "capacity": applications + 10,
                    "applications_open_at": (now - timedelta(days=1)).isoformat(),
                    "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()
                for n in range(applications):
                    address = f"deltaker{n}.{run}@example.no"
                    response = await api.post(f"/cohorts/{cohort['id']}/applications", json={
                        "participant": {"name": f"Deltaker {n}", "email": address},
                        "manager": {"name": "Leder", "email": f"leder.{run}@example.no"},
                        "organisation_id": "org-1", "unit_id": "unit-1"})
                    answered = time.perf_counter()
                    assert response.status_code == 201, response.text

                    async def arrived(address: str = address) -> bool:
                        return address in sink.arrivals

                    await wait_for(arrived, 300, f"the mail to {address}")
                    latencies.append(sink.arrivals[address] - answered)
                await api.aclose()
                await notifications.aclose()
    finally:
        await producer.stop()
        smtp.stop()
        for database in databases:
            await mongo.drop_database(database)
        await mongo.close()
    return latency_figures(NAME, f"enrollment 201 to mail in the SMTP server ({applications} applications)",
                           latencies)


async def run(ctx: BenchContext) -> list[Figure]:
    return await burst(ctx) + await api_to_inbox(ctx)
