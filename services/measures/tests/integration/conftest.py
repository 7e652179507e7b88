"""Fixtures of the measures tests: the service on the real stack, a clock tests can move, and user steps."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from samla_shared.clock import local_today
from samla_shared.contract import MEASURES_TOPIC
from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from samla_measures.entrypoints.app import create_app
from samla_measures.settings import MeasuresSettings

LEADER, UNION_REP, SAFETY_REP = "person-leder", "person-tillitsvalgt", "person-verneombud"
# Each party's token role and person: a party agrees only in the role and name of their own token.
PARTIES = {"leader": ("organisation_leader", LEADER), "union_representative": ("union_representative", UNION_REP),
           "safety_representative": ("safety_representative", SAFETY_REP)}


class MovableClock:
    """The service's clock in a test: real time, shifted forward whenever the test says so."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, **delta: float) -> None:
        self.shift += timedelta(**delta)


class MeasuresSteps:
    """What coordinators, leaders and representatives do, as calls to the API."""

    def __init__(self, client: httpx.AsyncClient, clock: MovableClock, caller: Callable[..., httpx.AsyncClient]) -> None:
        self.client = client
        self.clock = clock
        self.caller = caller
        self.network_id = f"net-{uuid.uuid4().hex[:8]}"

    @property
    def today(self) -> date:
        return local_today(self.clock())

    def days_ago(self, days: int) -> str:
        return (self.today - timedelta(days=days)).isoformat()

    async def propose(self, *, organisation_id: str = "org-oppdal",
                      unit_ids: tuple[str, ...] = ("unit-hjemmetjenesten",), area: str = "sick_leave_follow_up",
                      indicators: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "network_id": self.network_id, "organisation_id": organisation_id, "unit_ids": list(unit_ids),
            "title": "Tidlig og tett på", "area": area, "goal": "Lavere sykefravær gjennom tidlig kontakt",
            "method_id": "sick-leave-follow-up-routine",
            "indicators": indicators if indicators is not None else [self.sick_leave()],
        } | extra
        response = await self.client.post("/measures", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def sick_leave(self, baseline: float = 9.5, target: float = 7.0) -> dict[str, Any]:
        return {"kind": "sick_leave_percent", "baseline": baseline, "baseline_date": self.days_ago(30),
                "target": target}

    def party(self, role: str, *, organisation_id: str = "org-oppdal", unit_ids: tuple[str, ...] = (),
              person_id: str | None = None) -> httpx.AsyncClient:
        """A client signed in as one party of the organisation (and units, if given)."""
        token_role, person = PARTIES[role]
        person = person_id or person
        return self.caller(self.client, person, roles=[token_role], organisations=[organisation_id],
                           units=list(unit_ids), networks=[self.network_id], person_id=person)

    async def agree(self, measure_id: str, *roles: str) -> httpx.Response:
        """Each named party (all three by default) agrees with their own token; the body names nothing."""
        measure = await self.measure(measure_id)
        response = None
        for role in roles or tuple(PARTIES):
            party = self.party(role, organisation_id=measure["organisation_id"], unit_ids=tuple(measure["unit_ids"]))
            response = await party.post(f"/measures/{measure_id}/consents", json={})
            assert response.status_code == 200, response.text
        return response

    async def adopt(self, measure_id: str, **body: Any) -> httpx.Response:
        return await self.client.post(f"/measures/{measure_id}/adoption", json=body)

    async def adopted(self, *, adopted_days_ago: int = 0, **propose: Any) -> dict[str, Any]:
        measure = await self.propose(**propose)
        await self.agree(measure["id"])
        response = await self.adopt(measure["id"], adopted_on=self.days_ago(adopted_days_ago))
        assert response.status_code == 200, response.text
        return response.json()

    async def follow_up(self, measure_id: str, **body: Any) -> httpx.Response:
        return await self.client.post(f"/measures/{measure_id}/follow-ups",
                                      json={"held_on": self.today.isoformat(), "in_practice": True} | body)

    async def measure(self, measure_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/measures/{measure_id}")
        assert response.status_code == 200, response.text
        return response.json()

    async def insight(self) -> dict[str, Any]:
        response = await self.client.get(f"/networks/{self.network_id}/insight")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(autouse=True)
def _clock_starts_now(clock: MovableClock) -> None:
    clock.shift = timedelta(0)


def _run_service(config: pytest.Config) -> Callable[..., Any]:
    """The root conftest's `run_service`, which its function-scoped `service` fixture hands out.

    Each measures instance needs several seconds before its three consumer subscriptions
    have partitions (one group rebalance per subscription), so a module shares one instance;
    tests stay apart by using a network id of their own.
    """
    for plugin in config.pluginmanager.get_plugins():
        run_service = getattr(plugin, "run_service", None)
        if run_service is not None:
            return run_service
    raise LookupError("the root conftest with run_service is not loaded")


@pytest.fixture(scope="module")
async def measures_app(request: pytest.FixtureRequest, clock: MovableClock):
    """The measures service on the real stack; yields (client, app) so tests can reach the service layer too."""
    apps: list[Any] = []

    def build(settings: MeasuresSettings):
        apps.append(create_app(settings, clock=clock))
        return apps[-1]

    async with _run_service(request.config)(build, MeasuresSettings) as client:
        yield client, apps[0]


@pytest.fixture
def steps(measures_app, clock, caller) -> MeasuresSteps:
    return MeasuresSteps(measures_app[0], clock, caller)


@pytest.fixture
def steps_on(clock, caller) -> Callable[[httpx.AsyncClient, str], MeasuresSteps]:
    """Steps against a service instance a test runs itself, within a given network."""

    def make(client: httpx.AsyncClient, network_id: str) -> MeasuresSteps:
        steps = MeasuresSteps(client, clock, caller)
        steps.network_id = network_id
        return steps

    return make


@pytest.fixture
def app(measures_app):
    return measures_app[1]


class TopicEvents:
    """The events on samla.measures.v1 about one measure, as (ce_type, data) pairs in order."""

    def __init__(self, read_records) -> None:
        self._read = read_records
        self._since_ms = int(datetime.now(UTC).timestamp() * 1000) - 60_000

    async def of(self, measure_id: str) -> list[tuple[str, dict[str, Any]]]:
        records = await self._read(MEASURES_TOPIC, key=measure_id, since_ms=self._since_ms)
        return [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in records]

    async def types_of(self, measure_id: str) -> list[str]:
        return [kind for kind, _ in await self.of(measure_id)]


@pytest.fixture
def measure_events(topic_records) -> TopicEvents:
    return TopicEvents(topic_records)


@pytest.fixture
def produce(producer):
    """Put an event on its topic as its owning service would; `times` > 1 plays a redelivery of the same record."""

    async def send(event: IntegrationEvent, *, times: int = 1) -> CloudEvent:
        cloud_event = CloudEvent(data=event, source="/samla/test/producer")
        for _ in range(times):
            await producer.send_and_wait(
                cloud_event.topic, key=cloud_event.subject.encode(), value=cloud_event.value(),
                headers=[(name, value.encode()) for name, value in cloud_event.headers().items()])
        return cloud_event

    return send
