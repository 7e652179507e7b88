"""The fake store (tests/fakes.py) answers the named queries as the MongoDB store does: one scenario, both stores.

The use-case tests in tests/unit trust the fake; this is what makes that trust earned for the
queries the service layer and the cohort writer ask by name (the Mongo syntax behind them lives
only in adapters/repository.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from samla_enrollment.domain.cohorts import CohortStatus
from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings


@pytest.fixture(params=["mongo", "fake"])
async def store(request, service, fakes):
    if request.param == "fake":
        yield fakes.FakeEnrollmentStore()
        return
    async with service(create_app, EnrollmentSettings) as client:  # a database of its own
        yield client._transport.app.state.enrollment.store


NOW = datetime.now(UTC).replace(microsecond=0)


def cohort(cohort_id: str, *, network_id: str, opens: timedelta, **fields: Any) -> dict[str, Any]:
    return {"_id": cohort_id, "programme_id": "prog-1", "network_id": network_id, "term": "autumn-2027",
            "capacity": 2, "time_zone": "Europe/Oslo", "applications_open_at": NOW + opens,
            "applications_close_at": NOW + opens + timedelta(days=30), "manual_status": None, "enrolled": [],
            "seats_taken": 0, "seats_free": 2, "waitlist_head": 0, "waitlist_left": [], "waitlist_log_length": 0,
            "waitlist_length": 0, "version": 0, "created_at": NOW + opens, "audit": []} | fields


def application(application_id: str, participant: str, *, at: int, **fields: Any) -> dict[str, Any]:
    return {"_id": application_id, "cohort_id": "c1", "participant_id": participant, "status": "enrolled",
            "organisation_id": "o1", "unit_id": "u1", "manager_id": "m1", "network_id": "n1",
            "submitted_at": NOW + timedelta(seconds=at), "history": []} | fields


async def test_the_named_queries_answer_alike_on_both_stores(store):
    await store.add_cohort(cohort("c1", network_id="n1", opens=-timedelta(days=1),
                                  next_offer_expires_at=NOW - timedelta(hours=1)))
    await store.add_cohort(cohort("c2", network_id="n2", opens=timedelta(days=5)))
    await store.add_cohort(cohort("c3", network_id="n1", opens=-timedelta(days=60), manual_status="completed",
                                  next_approval_expires_at=NOW - timedelta(minutes=1)))
    refused = await store.add_applications([
        application("a1", "p1", at=1, team_id="t1"),
        application("a2", "p2", at=2, team_id="t1", status="withdrawn", organisation_id="o2", manager_id="m2"),
        application("a3", "p1", at=3),  # a second application of p1 to c1
    ])
    assert refused == {2}

    assert (await store.application_of("c1", "p2"))["_id"] == "a2"
    assert await store.live_application("c1", "p2") is None
    assert (await store.live_application("c1", "p1"))["_id"] == "a1"
    assert [a["_id"] for a in await store.team_applications("c1", "t1", limit=50)] == ["a1", "a2"]
    assert [a["_id"] for a in await store.cohort_applications("c1", status="enrolled", offset=0, limit=10)] == ["a1"]
    assert [a["_id"] for a in await store.cohort_applications("c1", excluding=["a1"], offset=0, limit=10)] == ["a2"]
    assert [a["_id"] for a in await store.cohort_applications("c1", organisation_id="o2", offset=0, limit=10)] \
        == ["a2"]
    assert [a["_id"] for a in await store.applications_of({"p1", "p2"}, limit=10)] == ["a2", "a1"]
    assert [a["_id"] for a in await store.applications_for_leader({"m1"}, {"o2"}, limit=10)] == ["a2", "a1"]
    assert [a["_id"] for a in await store.applications_for_leader({"m1"}, set(), limit=10)] == ["a1"]
    assert "history" not in (await store.applications_of({"p1"}, limit=1))[0]

    ours = {"c1", "c2", "c3"}
    assert [c["_id"] for c in await store.cohorts(network_ids=["n1"], offset=0, limit=10)] == ["c3", "c1"]
    assert [c["_id"] for c in await store.cohorts(network_ids=["n1", "n2"], offset=0, limit=10)] == ["c3", "c1", "c2"]
    assert [c["_id"] for c in await store.cohorts(programme_id="prog-1", status=CohortStatus.OPEN, now=NOW,
                                                  offset=0, limit=10)] == ["c1"]
    assert [c["_id"] for c in await store.cohorts(status=CohortStatus.PLANNED, now=NOW, offset=0, limit=10)] == ["c2"]
    assert "enrolled" not in (await store.cohorts(network_ids=["n2"], offset=0, limit=1))[0]
    assert await store.cohort_ids_taking_applications("prog-1", NOW) == ["c1"]
    assert set(await store.cohort_ids_with_offers_due(NOW)) & ours == {"c1"}
    assert set(await store.cohort_ids_with_approvals_due(NOW)) & ours == {"c3"}
    assert set(await store.cohort_ids_not_completed()) & ours == {"c1", "c2"}

    assert not await store.save_cohort("c1", version=7, new_version=8, fields={"capacity": 9}, audit=[], events=[])
    assert await store.save_cohort("c1", version=0, new_version=1, fields={"capacity": 9}, audit=[], events=[])
    assert (await store.cohort_summary("c1"))["capacity"] == 9


async def test_programmes_are_listed_by_network_and_archiving_alike_on_both_stores(store):
    for programme_id, network_id, archived, at in (("p1", "n1", False, 1), ("p2", "n2", True, 2),
                                                   ("p3", "n1", True, 3)):
        await store.add_programme({"_id": programme_id, "network_id": network_id, "archived": archived,
                                   "created_at": NOW + timedelta(seconds=at), "audit": []})
    assert [p["_id"] for p in await store.programmes(network_ids=["n1"], archived=None, offset=0, limit=10)] \
        == ["p1", "p3"]
    assert [p["_id"] for p in await store.programmes(network_ids=["n1", "n2"], archived=True, offset=0,
                                                     limit=10)] == ["p2", "p3"]
    assert [p["_id"] for p in await store.programmes(network_ids=None, archived=False, offset=0, limit=10)] == ["p1"]
    assert [p["_id"] for p in await store.programmes(network_ids=None, archived=None, offset=1, limit=1)] == ["p2"]
