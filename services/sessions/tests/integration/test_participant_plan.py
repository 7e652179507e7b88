"""A participant's own programme plan: upcoming sessions with agendas, as JSON and as a calendar feed."""

from __future__ import annotations

from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings


async def test_a_participant_sees_their_upcoming_sessions_with_agendas_as_json_and_as_a_subscribable_feed(
        service, enrollment_feed, generate, roster_of):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort, other_cohort = enrollment_feed.cohort(programme), enrollment_feed.cohort(programme)
        ada = enrollment_feed.enrolled(cohort.cohort_id, 1)
        await enrollment_feed.send(programme, cohort, other_cohort, ada,
                                   enrollment_feed.enrolled(other_cohort.cohort_id, 1))
        await roster_of(sessions, cohort.cohort_id, 1)
        kickoff, gathering, digital, closing = (await generate(sessions, cohort.cohort_id)).json()
        await generate(sessions, other_cohort.cohort_id)  # not Ada's cohort: not in her plan

        agenda = await sessions.put(f"/sessions/{kickoff['id']}/agenda", json={"items": [
            {"starts_at": "2027-01-04T09:00:00", "ends_at": "2027-01-04T09:30:00", "title": "Velkommen",
             "kind": "welcome", "speakers": ["Prosjektleder"]},
            {"starts_at": "2027-01-05T13:00:00", "ends_at": "2027-01-05T14:00:00", "title": "Gruppenormer",
             "kind": "group_work"}]})
        assert agenda.status_code == 200, agenda.text
        cancelled = await sessions.post(f"/sessions/{digital['id']}/cancellation", json={"reason": "Moved online"})
        assert cancelled.status_code == 200
        past = await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "webinar", "title": "Informasjonswebinar", "online": True,
            "starts_at": "2026-10-01T13:00:00", "ends_at": "2026-10-01T14:00:00"})
        assert past.status_code == 201

        plan = await sessions.get(f"/participants/{ada.participant_id}/plan")
        assert plan.status_code == 200, plan.text
        assert [s["id"] for s in plan.json()["sessions"]] == [kickoff["id"], gathering["id"], closing["id"]]
        assert [i["title"] for i in plan.json()["sessions"][0]["agenda"]] == ["Velkommen", "Gruppenormer"]
        assert plan.json()["calendar_feed"] == f"/participants/{ada.participant_id}/plan.ics"

        feed = await sessions.get(plan.json()["calendar_feed"])
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        lines = feed.text.replace("\r\n ", "").split("\r\n")
        assert lines[0] == "BEGIN:VCALENDAR" and feed.text.endswith("END:VCALENDAR\r\n")
        assert lines.count("BEGIN:VEVENT") == 5  # the past webinar and the cancelled meeting stay in a calendar
        assert lines.count("STATUS:CANCELLED") == 1
        assert f"UID:{kickoff['id']}@sessions.samla" in lines and "DTSTART:20270104T080000Z" in lines
        assert any(line.startswith("DESCRIPTION:") and "09:00–09:30 Velkommen (Prosjektleder)" in line
                   for line in lines)

        assert (await sessions.get("/participants/nobody-we-know/plan")).status_code == 404
        assert (await sessions.get("/participants/nobody-we-know/plan.ics")).status_code == 404
