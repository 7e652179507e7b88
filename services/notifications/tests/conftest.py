"""Real servers for notification tests, each started in the test process on a free loopback port.

* `mailbox`: an SMTP server (aiosmtpd, with the local stack's own handler) writing .eml
  files to a temporary maildir, read back as parsed messages;
* `people`: a contact directory speaking enrollment's `GET /people/{id}/contact` and
  `POST /people/contacts` contract, noting the ids of each request;
* `webhook_receiver`: an integrator's endpoint that records what it gets and answers with
  the status codes a test scripts;
* `start_notifications`: the notifications app on the real Kafka and FerretDB, pointed at
  the three above.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import importlib.util
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import (
    CohortOpened,
    ParticipantEnrolled,
    ParticipantWaitlisted,
    ProgrammePublished,
    ProgrammeUpdated,
)
from samla_shared.contract.measures import MeasureEvaluated
from samla_shared.contract.sessions import (
    AttendanceCounts,
    SessionCancelled,
    SessionHeld,
    SessionRescheduled,
    SessionScheduled,
)
from samla_notifications.entrypoints.app import create_app
from samla_notifications.settings import NotificationsSettings

ROOT = Path(__file__).resolve().parents[3]


def _maildir_handler() -> type:
    """The local stack's SMTP sink handler, loaded from infra/local (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("samla_smtp_sink", ROOT / "infra/local/smtp_sink.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MaildirHandler


# -- mail ---------------------------------------------------------------------------------------

@dataclass
class Mailbox:
    maildir: Path
    port: int

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.maildir.glob("*.eml")):
            found.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        return found

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages() if address in m["To"]]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def mailbox(tmp_path: Path, unused_tcp_port: int) -> Any:
    port = unused_tcp_port
    controller = Controller(_maildir_handler()(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(tmp_path / "mail", port)
    finally:
        controller.stop()


# -- contact directory ----------------------------------------------------------------------------

@dataclass
class People:
    url: str
    known: dict[str, dict[str, Any]] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)  # the ids of each look-up, one list per request

    def add(self, name: str, *, language: str | None = None) -> str:
        person_id = f"person-{uuid.uuid4().hex[:12]}"
        slug = ".".join(re.findall(r"[a-z]+", name.lower()))
        self.known[person_id] = {"person_id": person_id, "name": name, "phone": None, "language": language,
                                 "email": f"{slug}.{person_id[-6:]}@example.no"}
        return person_id

    def email(self, person_id: str) -> str:
        return self.known[person_id]["email"]


@pytest.fixture
async def people(served: Callable[..., Any]) -> AsyncIterator[People]:
    app = FastAPI()
    directory = People(url="")

    @app.post("/probe")
    async def probe() -> Response:
        return Response(status_code=204)

    @app.get("/people/{person_id}/contact")
    async def contact(person_id: str) -> Response:
        directory.asked.append([person_id])
        if person_id not in directory.known:
            return Response(status_code=404)
        return Response(json.dumps(directory.known[person_id]), media_type="application/json")

    @app.post("/people/contacts")
    async def contacts(request: Request) -> Response:
        wanted = (await request.json())["person_ids"]
        directory.asked.append(wanted)
        found = [directory.known[person_id] for person_id in wanted if person_id in directory.known]
        return Response(json.dumps({"contacts": found}), media_type="application/json")

    async with served(app) as url:
        directory.url = url
        yield directory


# -- webhook receiver ------------------------------------------------------------------------------

@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class WebhookReceiver:
    url: str
    script: list[int] = field(default_factory=list)  # status codes to answer, in order; then `otherwise`
    otherwise: int = 200
    received: list[Received] = field(default_factory=list)


@pytest.fixture
async def webhook_receiver(served: Callable[..., Any]) -> AsyncIterator[WebhookReceiver]:
    app = FastAPI()
    receiver = WebhookReceiver(url="")

    @app.post("/hooks")
    async def hook(request: Request) -> Response:
        status = receiver.script.pop(0) if receiver.script else receiver.otherwise
        receiver.received.append(Received({k.lower(): v for k, v in request.headers.items()}, await request.body(),
                                          status))
        return Response(status_code=status)

    async with served(app) as url:
        receiver.url = f"{url}/hooks"
        yield receiver


# -- the service -----------------------------------------------------------------------------------

class MovableClock:
    """Wall-clock time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def start_notifications(service, mailbox, people, publish) -> Callable[..., Any]:
    """start_notifications(clock=None, **settings) -> async context manager yielding an HTTP client."""

    @asynccontextmanager
    async def start(*, clock: MovableClock | None = None, contacts: Any = None, settle: bool = True,
                    **overrides: Any) -> AsyncIterator[Any]:
        settings = {
            "smtp_port": mailbox.port, "enrollment_url": people.url, "allow_private_webhook_urls": True,
            "reminder_poll_seconds": 0.1, "webhook_poll_seconds": 0.1, "webhook_retry_base_seconds": 0.2,
            "webhook_timeout_seconds": 3.0, "send_lease_seconds": 1.0, **overrides,
        }

        def factory(values: NotificationsSettings) -> Any:
            return create_app(values, clock=clock or MovableClock(), contacts=contacts)

        async with service(factory, NotificationsSettings, **settings) as client:
            if settle:
                await _settle(client, people.url, publish)
            yield client

    return start


async def _settle(client: Any, probe_url: str, publish: Callable[..., Any]) -> None:
    """Knock on each of the three topics until the service answered from all of them.

    The service reads three topics with three consumers in one group, so it rebalances as
    each joins; a consumer that gets its partitions late starts at the end of the log
    ("latest") and would skip events a test produced meanwhile. Readiness only says each
    consumer had partitions once. An event seen on every topic says the group settled.
    """
    network = f"probe-{uuid.uuid4().hex[:8]}"
    probes = {
        "ProgrammeUpdated": ProgrammeUpdated(network_id=network, programme_id=f"{network}-p", code="P", title="probe",
                                             language="nb"),
        "SessionHeld": SessionHeld(network_id=network, cohort_id=f"{network}-c", session_id=f"{network}-s",
                                   held_at=datetime.now(UTC), attendance=AttendanceCounts(present=0, absent=0,
                                                                                         excused=0, partial=0)),
        "MeasureEvaluated": MeasureEvaluated(network_id=network, measure_id=f"{network}-m", organisation_id="o",
                                             unit_ids=["u"], area="culture_and_values",
                                             evaluated_on=datetime.now(UTC).date()),
    }
    created = await client.post("/subscriptions", json={"url": f"{probe_url}/probe", "network_id": network,
                                                        "event_types": sorted(probes)})
    assert created.status_code == 201, created.text
    subscription = created.json()["id"]
    seen: set[str] = set()
    deadline = asyncio.get_running_loop().time() + 60
    while seen != probes.keys():
        assert asyncio.get_running_loop().time() < deadline, f"the consumers never settled; heard from {seen}"
        for name in probes.keys() - seen:
            await publish(probes[name])
        await asyncio.sleep(0.5)
        deliveries = (await client.get(f"/subscriptions/{subscription}/deliveries")).json()
        seen = {d["event_type"] for d in deliveries}
    await client.delete(f"/subscriptions/{subscription}")


@pytest.fixture
def publish(producer) -> Callable[..., Any]:
    """publish(event, id=None, traceparent=None) puts a CloudEvents record on the event's topic."""

    async def send(event: IntegrationEvent, *, id: str | None = None, traceparent: str | None = None) -> CloudEvent:
        cloud = CloudEvent(data=event, source="/samla/test/producer", id=id or uuid.uuid4().hex,
                           trace_headers={"traceparent": traceparent} if traceparent else {})
        await producer.send_and_wait(cloud.topic, cloud.value(), key=cloud.subject.encode(),
                                     headers=[(k, v.encode()) for k, v in cloud.headers().items()])
        return cloud

    return send


# -- events of one cohort ----------------------------------------------------------------------------

@dataclass
class CohortWorld:
    """Ids and event builders for one programme with one cohort in one network."""

    network_id: str
    time_zone: str = "Europe/Oslo"
    programme_id: str = field(default_factory=lambda: f"prog-{uuid.uuid4().hex[:10]}")
    cohort_id: str = field(default_factory=lambda: f"cohort-{uuid.uuid4().hex[:10]}")
    organisation_id: str = "org-1"
    sequence: int = 0

    def programme_published(self, title: str = "Der skoen trykker") -> Any:

        return ProgrammePublished(network_id=self.network_id, programme_id=self.programme_id, code="DST",
                                  title=title, language="nb")

    def cohort_opened(self, **fields: Any) -> Any:

        now = datetime.now(UTC)
        values = {"term": "høst-2027", "location": "Tromsø", "capacity": 20, "time_zone": self.time_zone,
                  "applications_open_at": now - timedelta(days=1), "applications_close_at": now + timedelta(days=30),
                  **fields}
        return CohortOpened(network_id=self.network_id, cohort_id=self.cohort_id, programme_id=self.programme_id,
                            **values)

    def application(self, participant_id: str, application_id: str | None = None) -> dict[str, Any]:
        return {"network_id": self.network_id, "cohort_id": self.cohort_id, "programme_id": self.programme_id,
                "application_id": application_id or f"app-{participant_id}", "participant_id": participant_id,
                "organisation_id": self.organisation_id, "unit_id": "unit-1"}

    def _next(self) -> int:
        self.sequence += 1
        return self.sequence

    def enrolled(self, participant_id: str, *, via: str = "direct") -> Any:

        return ParticipantEnrolled(**self.application(participant_id), via=via, cohort_sequence=self._next())

    def waitlisted(self, participant_id: str, position: int) -> Any:

        return ParticipantWaitlisted(**self.application(participant_id), position=position,
                                     cohort_sequence=self._next())

    def session_scheduled(self, session_id: str, starts_at: datetime, *, hours: int = 6, online: bool = False) -> Any:

        return SessionScheduled(network_id=self.network_id, cohort_id=self.cohort_id, session_id=session_id,
                                programme_id=self.programme_id, kind="gathering", starts_at=starts_at,
                                ends_at=starts_at + timedelta(hours=hours), time_zone=self.time_zone, online=online,
                                mandatory=True)

    def session_rescheduled(self, session_id: str, starts_at: datetime, *, hours: int = 6) -> Any:

        return SessionRescheduled(network_id=self.network_id, cohort_id=self.cohort_id, session_id=session_id,
                                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                                  reason="the venue is not available")

    def session_cancelled(self, session_id: str) -> Any:

        return SessionCancelled(network_id=self.network_id, cohort_id=self.cohort_id, session_id=session_id,
                                reason="too few participants")


@pytest.fixture
def new_cohort() -> Callable[..., CohortWorld]:
    def make(network_id: str | None = None, time_zone: str = "Europe/Oslo") -> CohortWorld:
        return CohortWorld(network_id=network_id or f"net-{uuid.uuid4().hex[:8]}", time_zone=time_zone)

    return make


@pytest.fixture
def open_cohort(publish) -> Callable[..., Any]:
    """Publish a cohort's programme and opening, as enrollment would."""

    async def opened(world: CohortWorld, **fields: Any) -> CohortWorld:
        await publish(world.programme_published())
        await publish(world.cohort_opened(**fields))
        return world

    return opened
