"""The foundation's promise: an application at enrollment shows up in the sessions roster,
carried by a real ParticipantEnrolled event through the outbox and Kafka, in one trace."""

from __future__ import annotations

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.integration.journeys import open_cohort


async def test_an_accepted_application_appears_in_the_sessions_roster_within_one_trace(service, spans, wait_until):
    async with service(create_sessions, SessionsSettings) as sessions, \
            service(create_enrollment, EnrollmentSettings) as enrollment:
        cohort_id = await open_cohort(enrollment)
        spans.clear()
        applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
            "participant": {"name": "Ingrid Nilsen", "email": "ingrid.nilsen@example.no", "role": "sykepleier"},
            "manager": {"name": "Per Hansen", "email": "per.hansen@example.no"},
            "organisation_id": "org-ahus", "unit_id": "unit-med-3",
        })
        assert applied.status_code == 201, applied.text
        application = applied.json()
        assert application["status"] == "enrolled"

        async def roster_lists_participant():
            members = (await sessions.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
            return [m for m in members if m["application_id"] == application["id"]]

        [member] = await wait_until(roster_lists_participant)
        assert member["participant_id"] == application["participant_id"]
        assert member["organisation_id"] == "org-ahus"

        def trace_ids(predicate) -> set[int]:
            return {s.context.trace_id for s in spans.get_finished_spans() if predicate(s)}

        async def consumer_span_recorded():
            return trace_ids(lambda s: s.name == "samla.enrollment.v1 process")

        await wait_until(consumer_span_recorded)
        http_traces = trace_ids(lambda s: s.name.startswith("POST /cohorts/{cohort_id}/applications"))
        published = trace_ids(lambda s: s.name == "samla.enrollment.v1 publish")
        consumed = trace_ids(lambda s: s.name == "samla.enrollment.v1 process")
        roster_writes = trace_ids(lambda s: s.attributes.get("db.name", "").startswith("test_sessions")
                                  or "roster" in s.name)
        [request_trace] = http_traces
        assert request_trace in published, "the relay did not publish under the request's trace"
        assert request_trace in consumed, "the sessions consumer did not continue the request's trace"
        assert request_trace in roster_writes, "the roster write is not part of the trace"
