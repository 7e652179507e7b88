"""Coordinators put a cohort's sessions in the calendar: from the programme's template or one by one,
with agendas, and move or cancel them with a reason. Each change is published on samla.sessions.v1."""

from __future__ import annotations

from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings

PROBLEM = "application/problem+json"


async def test_a_schedule_generated_from_the_programme_template_is_published_one_session_per_gathering(
        service, enrollment_feed, generate, published, wait_until, since_ms):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)

        response = await generate(sessions, cohort.cohort_id, follow_up_weeks_after_closing=12)
        assert response.status_code == 201, response.text
        created = response.json()
        assert [(s["kind"], s["title"], s["starts_at"], s["ends_at"], s["mandatory"]) for s in created] == [
            ("kickoff", "Oppstartssamling", "2027-01-04T09:00:00+01:00", "2027-01-05T16:00:00+01:00", True),
            ("gathering", "Samling", "2027-02-15T09:00:00+01:00", "2027-02-15T16:00:00+01:00", True),
            ("digital_meeting", "Digitalt møte", "2027-03-15T09:00:00+01:00", "2027-03-15T12:00:00+01:00", True),
            ("closing", "Avslutningssamling", "2027-04-26T09:00:00+02:00", "2027-04-26T16:00:00+02:00", True),
            ("follow_up_day", "Oppfølgingsdag", "2027-07-19T09:00:00+02:00", "2027-07-19T16:00:00+02:00", False),
        ]
        assert [s["city"] for s in created] == ["Oslo", "Oslo", None, "Oslo", "Oslo"]

        again = await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions/generated", json={})
        assert again.status_code == 409 and again.headers["content-type"] == PROBLEM

        async def five_scheduled():
            events = await published(cohort.cohort_id, since_ms, "SessionScheduled")
            return events if len(events) == 5 else None

        events = await wait_until(five_scheduled)
        assert {e["session_id"] for _, e in events} == {s["id"] for s in created}
        kickoff = next(e for _, e in events if e["kind"] == "kickoff")
        assert kickoff["starts_at"] == "2027-01-04T08:00:00Z" and kickoff["time_zone"] == "Europe/Oslo"
        assert kickoff["programme_id"] == programme.programme_id and kickoff["network_id"] == programme.network_id


async def test_a_follow_up_day_can_be_scheduled_weeks_after_the_closing_once(
        service, enrollment_feed, generate):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme, time_zone="Europe/Copenhagen")
        await enrollment_feed.send(programme, cohort)
        assert (await generate(sessions, cohort.cohort_id)).status_code == 201

        url = f"/cohorts/{cohort.cohort_id}/sessions/follow-up-day"
        follow_up = await sessions.post(url, json={"weeks_after_closing": 8, "online": True})
        assert follow_up.status_code == 201, follow_up.text
        assert follow_up.json()["starts_at"] == "2027-06-21T09:00:00+02:00"  # 8 weeks after 26 April
        assert follow_up.json()["ends_at"] == "2027-06-21T12:00:00+02:00"
        assert (follow_up.json()["kind"], follow_up.json()["time_zone"]) == ("follow_up_day", "Europe/Copenhagen")
        assert (await sessions.post(url, json={"weeks_after_closing": 9})).status_code == 409


async def test_sessions_of_unknown_cohorts_are_404_and_impossible_times_are_422(
        service, enrollment_feed, known_to_sessions):
    async with service(create_sessions, SessionsSettings) as sessions:
        unknown = await sessions.post("/cohorts/no-such-cohort/sessions", json={
            "kind": "webinar", "starts_at": "2027-02-01T13:00:00", "ends_at": "2027-02-01T14:00:00"})
        assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
        assert (await sessions.get("/sessions/no-such-session")).status_code == 404

        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)
        await known_to_sessions(sessions, cohort.cohort_id)
        backwards = await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "webinar", "starts_at": "2027-02-01T14:00:00", "ends_at": "2027-02-01T13:00:00"})
        assert backwards.status_code == 422 and backwards.headers["content-type"] == PROBLEM
        assert "end after it starts" in backwards.json()["detail"]
        bad_kind = await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "party", "starts_at": "2027-02-01T13:00:00", "ends_at": "2027-02-01T14:00:00"})
        assert bad_kind.status_code == 422


async def test_an_agenda_must_fit_the_session_without_overlaps_and_is_shown_in_local_time(
        service, enrollment_feed, known_to_sessions):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)
        await known_to_sessions(sessions, cohort.cohort_id)
        created = await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "workshop", "title": "Digital workshop del 3", "online": True,
            "online_link": "https://meet.example.no/dst-3",
            "starts_at": "2027-02-10T08:15:00", "ends_at": "2027-02-10T13:00:00",
            "materials": [{"title": "Dialogduk", "url": "https://example.no/dialogduk.pdf"}],
            "assignments": [{"title": "Try the cloth with your own unit", "kind": "assignment"}]})
        assert created.status_code == 201, created.text
        agenda_url = f"/sessions/{created.json()['id']}/agenda"

        overlapping = await sessions.put(agenda_url, json={"items": [
            {"starts_at": "08:15", "ends_at": "08:30", "title": "Innsjekk", "kind": "check_in"},
            {"starts_at": "08:25", "ends_at": "08:40", "title": "Velkommen", "kind": "welcome"},
            {"starts_at": "12:50", "ends_at": "13:15", "title": "Oppsummering", "kind": "summary"}]})
        assert overlapping.status_code == 422 and overlapping.headers["content-type"] == PROBLEM
        assert overlapping.json()["problems"] == ["'Velkommen' starts before 'Innsjekk' ends",
                                                  "'Oppsummering' lies outside the session"]

        cloth = [{"title": "Oppvarming", "minutes": 15}] + [
            {"title": f"Oppgave {n}", "minutes": 30} for n in range(1, 5)]
        accepted = await sessions.put(agenda_url, json={"items": [
            {"starts_at": "08:15", "ends_at": "08:30", "title": "Innsjekk", "kind": "check_in"},
            {"starts_at": "08:30", "ends_at": "08:40", "title": "Velkommen", "kind": "welcome",
             "speakers": ["Prosjektleder"]},
            {"starts_at": "08:40", "ends_at": "08:50", "title": "Film", "kind": "film"},
            {"starts_at": "09:00", "ends_at": "11:30", "title": "Dialogduk for partssamarbeid",
             "kind": "dialogue_exercise", "steps": cloth, "group_size": 4, "facilitators": ["Ressursteam"]},
            {"starts_at": "12:50", "ends_at": "13:00", "title": "Oppsummering", "kind": "summary"}]})
        assert accepted.status_code == 200, accepted.text
        agenda = (await sessions.get(agenda_url)).json()
        assert [(i["starts_at"], i["title"]) for i in agenda][:2] == [
            ("2027-02-10T08:15:00+01:00", "Innsjekk"), ("2027-02-10T08:30:00+01:00", "Velkommen")]
        assert [s["minutes"] for s in agenda[3]["steps"]] == [15, 30, 30, 30, 30] and agenda[3]["group_size"] == 4


async def test_rescheduling_and_cancelling_need_a_reason_and_are_published(
        service, enrollment_feed, generate, published, wait_until, since_ms):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)
        kickoff, gathering, *_ = (await generate(sessions, cohort.cohort_id)).json()

        no_reason = await sessions.patch(f"/sessions/{kickoff['id']}", json={"starts_at": "2027-01-11T09:00:00"})
        assert no_reason.status_code == 422
        moved = await sessions.patch(f"/sessions/{kickoff['id']}", json={
            "starts_at": "2027-01-11T09:00:00", "reason": "The venue is double-booked", "venue": "Kulturhuset"})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["starts_at"], moved.json()["ends_at"]) == (
            "2027-01-11T09:00:00+01:00", "2027-01-12T16:00:00+01:00")  # the two days move together
        assert moved.json()["venue"] == "Kulturhuset"
        assert moved.json()["changes"][0]["reason"] == "The venue is double-booked"

        cancelled = await sessions.post(f"/sessions/{gathering['id']}/cancellation", json={"reason": "Storm warning"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert (await sessions.patch(f"/sessions/{gathering['id']}", json={"title": "x"})).status_code == 409
        listed = (await sessions.get(f"/cohorts/{cohort.cohort_id}/sessions", params={"status": "cancelled"})).json()
        assert [s["id"] for s in listed] == [gathering["id"]]

        async def both_published():
            events = dict(await published(cohort.cohort_id, since_ms, "SessionRescheduled", "SessionCancelled"))
            return events if len(events) == 2 else None

        events = await wait_until(both_published)
        assert events["SessionRescheduled"]["reason"] == "The venue is double-booked"
        assert events["SessionRescheduled"]["starts_at"] == "2027-01-11T08:00:00Z"
        assert events["SessionCancelled"] == {**events["SessionCancelled"], "session_id": gathering["id"],
                                              "reason": "Storm warning"}


async def test_a_null_in_a_change_clears_a_place_or_a_link_and_leaves_the_title_and_the_materials(
        service, enrollment_feed, generate):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)
        kickoff, *_ = (await generate(sessions, cohort.cohort_id)).json()
        url = f"/sessions/{kickoff['id']}"
        detailed = await sessions.patch(url, json={
            "venue": "Kulturhuset", "online_link": "https://meet.example.org/samla",
            "materials": [{"title": "Plan", "url": "https://example.org/plan.pdf"}]})
        assert detailed.status_code == 200, detailed.text

        cleared = await sessions.patch(url, json={"title": None, "description": None, "materials": None,
                                                  "venue": None, "online_link": None})

        assert cleared.status_code == 200, cleared.text
        body = cleared.json()
        assert (body["title"], body["venue"], body["online_link"]) == (kickoff["title"], None, None)
        assert [m["title"] for m in body["materials"]] == ["Plan"]
        emptied = await sessions.patch(url, json={"materials": []})
        assert emptied.json()["materials"] == []
