"""The anonymous form's rate limit holds across instances and honours a trusted proxy.

Two enrollment instances share one database, as in a scaled-out deployment: a client that
used its allowance at one instance is refused at the other. Behind a trusted reverse proxy
each client is counted by its own address from X-Forwarded-For; from anyone else the header
is ignored, so writing a new address there does not buy a new allowance.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings

# A window of five hours (burst / per_minute): it never ends in the middle of a test.
LIMIT = {"public_form_burst": 2, "public_form_per_minute": 0.01}


async def open_cohort(enrollment: Any) -> str:
    now = datetime.now(UTC)
    programme = (await enrollment.post("/programmes", json={
        "code": "OPEN", "title": "Åpen samling", "network_id": f"net-{uuid.uuid4().hex[:6]}",
        "requires_manager_approval": False, "accepts_anonymous_applications": True})).json()["id"]
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme, "term": "h27", "capacity": 50,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]


def form(n: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}.{tag}@example.no"},
            "manager": {"name": "Leder Lund", "email": f"leder{n}.{tag}@example.no"},
            "organisation_id": "org-unn", "unit_id": f"unit-{n}"}


async def test_two_instances_share_one_limit(service, caller):
    database = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    async with service(create_enrollment, EnrollmentSettings, mongo_database=database, **LIMIT) as first, \
            service(create_enrollment, EnrollmentSettings, mongo_database=database, **LIMIT) as second:
        cohort = await open_cohort(first)
        at_first, at_second = caller(first, token=None), caller(second, token=None)
        answers = [await at_first.post(f"/cohorts/{cohort}/applications", json=form(1)),
                   await at_second.post(f"/cohorts/{cohort}/applications", json=form(2)),
                   await at_second.post(f"/cohorts/{cohort}/applications", json=form(3)),
                   await at_first.post(f"/cohorts/{cohort}/applications", json=form(4))]
        assert [a.status_code for a in answers] == [202, 202, 429, 429], [a.text for a in answers]
        assert int(answers[2].headers["retry-after"]) >= 1


async def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(service, caller):
    # In-process requests come from 127.0.0.1: here that is the proxy.
    async with service(create_enrollment, EnrollmentSettings, trusted_proxies=["127.0.0.1/32"],
                       **LIMIT) as enrollment:
        cohort = await open_cohort(enrollment)
        anonymous = caller(enrollment, token=None)

        async def apply(n: int, forwarded: str) -> int:
            response = await anonymous.post(f"/cohorts/{cohort}/applications", json=form(n),
                                            headers={"X-Forwarded-For": forwarded})
            return response.status_code

        kari, ola = "198.51.100.7", "203.0.113.9"
        assert [await apply(1, kari), await apply(2, kari), await apply(3, kari)] == [202, 202, 429]
        assert await apply(4, ola) == 202
        # What the client itself wrote left of the proxy's entry does not count: still Kari.
        assert await apply(5, f"192.0.2.1, {kari}") == 429


async def test_from_an_untrusted_peer_the_forwarded_header_buys_nothing(service, caller):
    async with service(create_enrollment, EnrollmentSettings, **LIMIT) as enrollment:
        cohort = await open_cohort(enrollment)
        anonymous = caller(enrollment, token=None)
        codes = [(await anonymous.post(f"/cohorts/{cohort}/applications", json=form(n),
                                       headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                 for n in range(1, 4)]
        assert codes == [202, 202, 429]
