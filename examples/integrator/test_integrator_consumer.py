"""The example integrator receives real events, validates them against the published schemas,
and continues the producer's trace."""

from __future__ import annotations

import asyncio
import uuid

from examples.integrator import integrator_consumer as integrator
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from tests.integration.journeys import open_cohort


async def test_the_example_integrator_validates_an_enrollment_and_follows_its_trace(service, kafka_bootstrap, spans):
    target: dict[str, str] = {}
    assigned = asyncio.Event()
    consuming = asyncio.create_task(integrator.consume(
        kafka_bootstrap, f"example-integrator-{uuid.uuid4().hex[:8]}", timeout_s=120, assigned=assigned,
        stop_when=lambda e: e.key == target.get("cohort_id") and e.event_type == "ParticipantEnrolled"))
    await asyncio.wait_for(assigned.wait(), timeout=60)
    async with service(create_enrollment, EnrollmentSettings) as enrollment:
        target["cohort_id"] = await open_cohort(enrollment, capacity=3)
        spans.clear()
        applied = await enrollment.post(f"/cohorts/{target['cohort_id']}/applications", json={
            "participant": {"name": "Mette Holm", "email": "mette.holm@example.dk"},
            "manager": {"name": "Leder", "email": "leder@example.dk"},
            "organisation_id": "org-rh", "unit_id": "unit-9"})
        assert applied.status_code == 201
        received = await asyncio.wait_for(consuming, timeout=120)

    mine = {e.event_type: e for e in received if e.key == target["cohort_id"]}
    enrolled = mine["ParticipantEnrolled"]
    assert enrolled.data["participant_id"] == applied.json()["participant_id"]
    assert "name" not in enrolled.data and "email" not in enrolled.data
    request_traces = {format(s.context.trace_id, "032x") for s in spans.get_finished_spans()
                      if s.name.startswith("POST /cohorts/{cohort_id}/applications")}
    assert enrolled.trace_id in request_traces
