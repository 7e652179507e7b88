"""FerretDB stops: the APIs answer 503 problem details instead of hanging, recover by themselves
when it is back, and lose nothing they had accepted."""

from __future__ import annotations

import asyncio
import collections
import uuid

import pytest

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.integration.journeys import open_cohort

pytestmark = pytest.mark.slow

# A hang guard, not a timing: every request must end with an answer rather than wait forever.
ANSWER_WITHIN = 60


def application(n: int) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {"participant": {"name": f"Deltaker {n}", "email": f"db-{n}-{tag}@example.no"},
            "manager": {"name": "Leder", "email": f"leder-{tag}@example.no"},
            "organisation_id": "org-1", "unit_id": "unit-1"}


async def answer(request):
    return await asyncio.wait_for(request, timeout=ANSWER_WITHIN)


async def test_apis_answer_503_while_the_database_is_down_and_recover_without_losing_accepted_work(
        fault_stack, fault_service, wait_until):
    async with fault_service(create_sessions, SessionsSettings) as sessions, \
            fault_service(create_enrollment, EnrollmentSettings) as enrollment:
        cohort_id = await open_cohort(enrollment, capacity=100)
        accepted = []
        for n in range(10):
            response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json=application(n))
            assert response.status_code == 201, response.text
            accepted.append(response.json()["id"])

        await fault_stack.stop("ferretdb")
        try:
            responses = {
                "enrollment apply": await answer(enrollment.post(f"/cohorts/{cohort_id}/applications",
                                                                 json=application(99))),
                "enrollment read": await answer(enrollment.get(f"/cohorts/{cohort_id}")),
                "sessions roster": await answer(sessions.get(f"/cohorts/{cohort_id}/roster")),
                "enrollment ready": await answer(enrollment.get("/health/ready")),
                "sessions ready": await answer(sessions.get("/health/ready")),
            }
            for what, response in responses.items():
                assert response.status_code == 503, f"{what}: {response.status_code} {response.text}"
                assert response.headers["content-type"] == "application/problem+json", what
                assert response.headers.get("retry-after"), what
            assert any(r.startswith("database") for r in responses["enrollment ready"].json()["reasons"])
            assert (await enrollment.get("/health/live")).status_code == 200
        finally:
            await fault_stack.start("ferretdb")

        async def ready(client) -> bool:
            return (await client.get("/health/ready")).status_code == 200

        await wait_until(lambda: ready(enrollment), timeout=90)
        await wait_until(lambda: ready(sessions), timeout=90)

        async def accepts_again():
            response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json=application(100))
            return response.json()["id"] if response.status_code == 201 else None

        accepted.append(await wait_until(accepts_again, timeout=60, interval=1.0))

        for application_id in accepted:
            assert (await enrollment.get(f"/applications/{application_id}")).status_code == 200

        async def roster_complete():
            members = (await sessions.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
            return members if {m["application_id"] for m in members} >= set(accepted) else []

        members = await wait_until(roster_complete, timeout=120, interval=1.0)
        counts = collections.Counter(m["application_id"] for m in members)
        lost = set(accepted) - set(counts)
        duplicated = [a for a, c in counts.items() if c > 1]
        print(f"\ndatabase outage: {len(accepted)} accepted, roster {len(members)}, lost {len(lost)}, "
              f"duplicated {len(duplicated)}; 503 from {', '.join(responses)}")
        assert not lost and not duplicated
        assert set(counts) == set(accepted), "an application refused with 503 must not appear later"
