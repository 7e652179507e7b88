"""Kafka stops for 30 seconds while people apply: nothing is refused, nothing is lost, nothing doubles."""

from __future__ import annotations

import asyncio
import collections
import uuid

import pytest

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_ops.config import SERVICES
from samla_ops.mongo import outbox_backlog
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.support.kafka import header, read_records
from tests.integration.journeys import open_cohort

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 30


def application(n: int) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker-{n}-{tag}@example.no"},
            "manager": {"name": "Leder", "email": f"leder-{tag}@example.no"},
            "organisation_id": "org-ahus", "unit_id": f"unit-{n % 7}"}


async def test_applications_keep_being_accepted_while_kafka_is_down_and_each_reaches_the_roster_once(
        fault_stack, fault_service, wait_until):
    async with fault_service(create_sessions, SessionsSettings) as sessions, \
            fault_service(create_enrollment, EnrollmentSettings) as enrollment:
        cohort_id = await open_cohort(enrollment, capacity=2000)
        accepted: list[dict] = []
        refused: list[tuple[int, str]] = []

        async def apply(n: int) -> None:
            response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json=application(n))
            if response.status_code == 201:
                accepted.append(response.json())
            else:
                refused.append((response.status_code, response.text))

        async def backlog() -> int:
            service = SERVICES["enrollment"]
            rows = await outbox_backlog(fault_stack.mongo, [type(service)(**{**service.__dict__,
                                                                             "database": enrollment.database})])
            return sum(r.events for r in rows)

        for n in range(20):
            await apply(n)

        await fault_stack.stop("kafka")
        outage_started = asyncio.get_running_loop().time()
        n = 20
        held_during_outage = 0
        while asyncio.get_running_loop().time() - outage_started < OUTAGE_SECONDS:
            await apply(n)
            n += 1
            await asyncio.sleep(0.2)
            if n % 20 == 0:
                held_during_outage = max(held_during_outage, await backlog())
        applied_during_outage = n - 20
        await fault_stack.start("kafka")

        for m in range(n, n + 20):
            await apply(m)

        assert refused == [], f"the API refused {len(refused)} applications while Kafka was down: {refused[:3]}"
        assert applied_during_outage >= 30
        assert held_during_outage > 0, "events should wait in the outbox while Kafka is away"
        accepted_ids = {a["id"] for a in accepted}

        async def roster_complete() -> list[dict]:
            members = (await sessions.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
            return members if {m["application_id"] for m in members} >= accepted_ids else []

        members = await wait_until(roster_complete, timeout=240, interval=1.0)
        await wait_until(lambda: _zero(backlog), timeout=60)

        roster_ids = collections.Counter(m["application_id"] for m in members)
        lost = accepted_ids - set(roster_ids)
        duplicated = {a: c for a, c in roster_ids.items() if c > 1}
        extra = set(roster_ids) - accepted_ids
        records = [r for r in await read_records(fault_stack.kafka, "samla.enrollment.v1", key=cohort_id)
                   if header(r, "ce_type") == "ParticipantEnrolled"]
        deliveries = collections.Counter(header(r, "ce_id") for r in records)
        print(f"\nkafka outage: {len(accepted)} accepted ({applied_during_outage} while Kafka was down, "
              f"up to {held_during_outage} events held in the outbox); roster {len(members)}; lost {len(lost)}; "
              f"duplicated effects {len(duplicated)}; ParticipantEnrolled records {len(records)} for "
              f"{len(deliveries)} events (re-sent: {sum(c - 1 for c in deliveries.values())})")
        assert not lost, f"{len(lost)} accepted applications never reached the roster"
        assert not duplicated and not extra
        assert len(deliveries) == len(accepted_ids), "every enrolment is published"


async def _zero(backlog) -> bool:
    return await backlog() == 0
