"""The foundation's promise: an application at enrollment shows up in the sessions roster,
carried by a real ParticipantEnrolled event through the outbox and Kafka, in one trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings


async def open_cohort(enrollment, *, capacity: int = 30, approval: bool = False) -> str:
    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-sor-ost", "language": "nb",
        "requires_manager_approval": approval,
        "gathering_plan": [{"kind": "kickoff", "days": 2}, {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
                           {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
                           {"kind": "closing", "days": 1, "weeks_after_previous": 6}],
    })
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": capacity,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat(),
    })
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]


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
