"""Fixtures of enrollment's API tests: the service on the real stack, and a coordinator's helpers.

`desk` plays the people around a cohort — a coordinator publishing programmes and
cohorts, applicants, their managers — through the public API only; `published` reads
what enrollment put on `samla.enrollment.v1` for a key, from Kafka itself.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

TOPIC = "samla.enrollment.v1"
NETWORK = "net-helse-nord"
COORDINATOR = "coordinator-kari"

# Seed 000's plan: a 2-day kickoff, a one-day gathering, a digital meeting, a one-day closing.
KULT_PLAN = [
    {"kind": "kickoff", "days": 2},
    {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
    {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
    {"kind": "closing", "days": 1, "weeks_after_previous": 6},
]


@pytest.fixture
async def enrollment(service):
    async with service(create_app, EnrollmentSettings) as client:
        yield client


@dataclass
class Desk:
    client: httpx.AsyncClient
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    network: str = NETWORK
    coordinator: str = COORDINATOR
    plan: tuple[dict[str, Any], ...] = tuple(KULT_PLAN)
    caller: Callable[..., httpx.AsyncClient] | None = None

    async def programme(self, **overrides: Any) -> dict[str, Any]:
        body = {"code": "KULT", "title": "Kulturkompetanse i helse og omsorg", "network_id": NETWORK,
                "target_group": "interne ressurspersoner", "requires_manager_approval": True,
                "curriculum_method_ids": ["concretising-values", "group-norms"], "gathering_plan": KULT_PLAN,
                "by": COORDINATOR} | overrides
        response = await self.client.post("/programmes", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def cohort(self, programme_id: str | None = None, *, capacity: int = 2,
                     opens_in: timedelta = -timedelta(days=1), lasts: timedelta = timedelta(days=30),
                     **overrides: Any) -> dict[str, Any]:
        if programme_id is None:
            programme_id = (await self.programme(requires_manager_approval=False))["id"]
        now = datetime.now(UTC)
        body = {"programme_id": programme_id, "term": "autumn-2027", "capacity": capacity,
                "applications_open_at": (now + opens_in).isoformat(),
                "applications_close_at": (now + opens_in + lasts).isoformat()} | overrides
        response = await self.client.post("/cohorts", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def form(self, n: int, **overrides: Any) -> dict[str, Any]:
        return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}.{self.tag}@example.no",
                                "phone": "+47 912 34 567", "role": "sykepleier", "language": "nb"},
                "manager": {"name": "Leder Lund", "email": f"leder.{self.tag}@example.no"},
                "organisation_id": "org-unn", "unit_id": f"unit-{n}"} | overrides

    async def apply(self, cohort_id: str, n: int, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post(f"/cohorts/{cohort_id}/applications", json=self.form(n, **overrides))
        assert response.status_code == 201, response.text
        return response.json()

    def leader(self, person_id: str, **claims: Any) -> httpx.AsyncClient:
        """The named manager, signed in: a leader whose token names the person the application names."""
        assert self.caller is not None
        return self.caller(self.client, f"leader-{person_id}", roles=["organisation_leader"],
                           organisations=["org-unn"], person_id=person_id, **claims)

    async def decide(self, application: dict[str, Any], decision: str, reason: str | None = None) -> httpx.Response:
        return await self.leader(application["manager_id"]).post(
            f"/applications/{application['id']}/approval", json={"decision": decision, "reason": reason})

    async def withdraw(self, application: dict[str, Any], reason: str = "new job") -> httpx.Response:
        return await self.client.post(f"/applications/{application['id']}/withdrawal", json={"reason": reason})

    async def shown(self, kind: str, id_: str) -> dict[str, Any]:
        response = await self.client.get(f"/{kind}/{id_}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def desk(enrollment, caller) -> Desk:
    return Desk(enrollment, caller=caller)


class Published:
    """What enrollment put on its topic for one key since the test started, read from Kafka."""

    def __init__(self, topic_records: Callable[..., Any], wait_until: Callable[..., Any]) -> None:
        self._records = topic_records
        self._wait_until = wait_until
        self._since_ms = int(time.time() * 1000) - 1000

    async def raw(self, key: str) -> list[Any]:
        return await self._records(TOPIC, key=key, since_ms=self._since_ms)

    async def wait_for(self, key: str, *expected: str) -> list[tuple[str, dict[str, Any]]]:
        """The (type, data) records for `key`, once at least `expected` (with repeats) have arrived."""

        async def arrived() -> list[tuple[str, dict[str, Any]]] | None:
            found = [(dict(r.headers)["ce_type"].decode(), json.loads(r.value)) for r in await self.raw(key)]
            seen = [kind for kind, _ in found]
            return found if all(seen.count(kind) >= expected.count(kind) for kind in set(expected)) else None

        return await self._wait_until(arrived, timeout=30)

    @staticmethod
    def of_type(records: list[tuple[str, dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
        return [data for found, data in records if found == kind]


@pytest.fixture
def published(topic_records, wait_until) -> Published:
    return Published(topic_records, wait_until)
