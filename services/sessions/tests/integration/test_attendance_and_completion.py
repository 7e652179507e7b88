"""Coordinators record who came; a held session is published with its counts and is then final except
for attendance corrections; participants who attended every mandatory session complete the cohort."""

from __future__ import annotations

import uuid
from datetime import date

from pymongo import AsyncMongoClient

from samla_shared.contract.enrollment import GatheringKind, PlannedGathering
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings

PROBLEM = "application/problem+json"
PAST_DAY = {"kind": "gathering", "starts_at": "2026-10-05T09:00:00", "ends_at": "2026-10-05T16:00:00"}


async def open_cohort(feed, sessions, known_to_sessions, roster_of, *, members: int, **programme_options):
    programme = feed.programme(**programme_options)
    cohort = feed.cohort(programme, starts_on=date(2026, 1, 5))
    enrolments = [feed.enrolled(cohort.cohort_id, n) for n in range(1, members + 1)]
    await feed.send(programme, cohort, *enrolments)
    await known_to_sessions(sessions, cohort.cohort_id)
    await roster_of(sessions, cohort.cohort_id, members)
    return cohort, [e.participant_id for e in enrolments]


async def test_only_participants_on_the_roster_can_have_attendance_registered(
        service, enrollment_feed, known_to_sessions, roster_of):
    async with service(create_sessions, SessionsSettings) as sessions:
        cohort, [ada] = await open_cohort(enrollment_feed, sessions, known_to_sessions, roster_of, members=1)
        session = (await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json=PAST_DAY)).json()
        url = f"/sessions/{session['id']}/attendance"

        stranger = await sessions.put(f"{url}/someone-else", json={"status": "present"})
        assert stranger.status_code == 422 and stranger.headers["content-type"] == PROBLEM
        assert "not on the cohort's roster" in stranger.json()["detail"]
        no_minutes = await sessions.put(f"{url}/{ada}", json={"status": "partial"})
        assert no_minutes.status_code == 422

        recorded = await sessions.put(f"{url}/{ada}", json={"status": "partial", "minutes": 150})
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["records"] == [{**recorded.json()["records"][0], "participant_id": ada,
                                               "status": "partial", "minutes": 150}]
        assert (await sessions.get(url)).json()["counts"] == {"present": 0, "absent": 0, "excused": 0, "partial": 1}

        future = (await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "webinar", "starts_at": "2031-01-06T13:00:00", "ends_at": "2031-01-06T14:00:00"})).json()
        early = await sessions.put(f"/sessions/{future['id']}/attendance/{ada}", json={"status": "present"})
        assert early.status_code == 409


async def test_a_held_session_is_published_with_its_counts_is_final_and_its_corrections_are_published(
        service, enrollment_feed, known_to_sessions, roster_of, published, wait_until, since_ms):
    async with service(create_sessions, SessionsSettings) as sessions:
        cohort, [ada, bo, cy] = await open_cohort(enrollment_feed, sessions, known_to_sessions, roster_of,
                                                  members=3)
        session = (await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json=PAST_DAY)).json()
        url = f"/sessions/{session['id']}"
        ticked = await sessions.put(f"{url}/attendance", json={"records": [
            {"participant_id": ada, "status": "present"},
            {"participant_id": bo, "status": "partial", "minutes": 120}]})
        assert ticked.status_code == 200, ticked.text

        held = await sessions.post(f"{url}/held", json={"held_at": "2026-10-05T16:00:00+02:00"})
        assert held.status_code == 200, held.text
        assert held.json()["status"] == "held" and held.json()["held_at"] == "2026-10-05T16:00:00+02:00"
        # Cy was not ticked, so Cy is recorded absent.
        assert held.json()["attendance"] == {"present": 1, "absent": 1, "excused": 0, "partial": 1}

        for refused in (sessions.patch(url, json={"title": "Renamed"}),
                        sessions.put(f"{url}/agenda", json={"items": []}),
                        sessions.post(f"{url}/cancellation", json={"reason": "too late"}),
                        sessions.post(f"{url}/held", json={})):
            response = await refused
            assert response.status_code == 409 and response.headers["content-type"] == PROBLEM

        corrected = await sessions.put(f"{url}/attendance/{cy}", json={"status": "excused"})
        assert corrected.status_code == 200
        assert corrected.json()["counts"] == {"present": 1, "absent": 0, "excused": 1, "partial": 1}

        async def held_and_corrected():
            events = dict(await published(cohort.cohort_id, since_ms, "SessionHeld", "AttendanceCorrected"))
            return events if len(events) == 2 else None

        events = await wait_until(held_and_corrected)
        assert events["SessionHeld"]["held_at"] == "2026-10-05T14:00:00Z"
        assert events["SessionHeld"]["attendance"] == {"present": 1, "absent": 1, "excused": 0, "partial": 1}
        assert events["SessionHeld"]["absent_participant_ids"] == [cy], "who was absent, so they can be told"
        assert events["AttendanceCorrected"] == {**events["AttendanceCorrected"], "participant_id": cy,
                                                 "status": "excused", "session_id": session["id"],
                                                 "organisation_id": "org-ahus",
                                                 "attendance": {"present": 1, "absent": 0, "excused": 1,
                                                                "partial": 1}}


async def test_who_attended_every_mandatory_session_completes_once_and_a_correction_can_revoke_it(
        service, enrollment_feed, known_to_sessions, roster_of, generate, published, wait_until, since_ms):
    async with service(create_sessions, SessionsSettings) as sessions:
        # The programme lets an excused absence count as attended.
        cohort, [ada, bo, cy] = await open_cohort(enrollment_feed, sessions, known_to_sessions, roster_of,
                                                  members=3, excused_counts=True)
        schedule = (await generate(sessions, cohort.cohort_id)).json()
        assert len(schedule) == 4 and all(s["mandatory"] for s in schedule)
        completions_url = f"/cohorts/{cohort.cohort_id}/completions"

        for number, session in enumerate(schedule, 1):
            records = [{"participant_id": ada, "status": "present"},
                       {"participant_id": bo, "status": "excused" if number == 2 else "present"},
                       {"participant_id": cy, "status": "absent" if number == 3 else "present"}]
            assert (await sessions.put(f"/sessions/{session['id']}/attendance",
                                       json={"records": records})).status_code == 200
            if number < 4:
                assert (await sessions.post(f"/sessions/{session['id']}/held", json={})).status_code == 200
                assert (await sessions.get(completions_url)).json()["completed"] == []

        assert (await sessions.post(f"/sessions/{schedule[3]['id']}/held", json={})).status_code == 200
        listing = (await sessions.get(completions_url)).json()
        assert {c["participant_id"] for c in listing["completed"]} == {ada, bo}
        assert (listing["mandatory_sessions"], listing["mandatory_sessions_held"]) == (4, 4)
        progress = {p["participant_id"]: p for p in listing["participants"]}
        assert progress[cy]["missed_session_ids"] == [schedule[2]["id"]] and not progress[cy]["completed"]

        async def completions_published():
            events = await published(cohort.cohort_id, since_ms, "ParticipantCompleted")
            return events if len(events) >= 2 else None

        completed = await wait_until(completions_published)
        assert sorted(e["participant_id"] for _, e in completed) == sorted([ada, bo])

        # Ada was in fact absent from the second gathering: her completion is withdrawn.
        wrong = await sessions.put(f"/sessions/{schedule[1]['id']}/attendance/{ada}", json={"status": "absent"})
        assert wrong.status_code == 200
        assert [c["participant_id"] for c in (await sessions.get(completions_url)).json()["completed"]] == [bo]

        async def revoked():
            events = await published(cohort.cohort_id, since_ms, "CompletionRevoked")
            return events or None

        [(_, revocation)] = await wait_until(revoked)
        assert revocation["participant_id"] == ada and "did not attend 1 mandatory session" in revocation["reason"]
        # Holding and correcting evaluated completion six times; each completion was published once.
        assert len(await published(cohort.cohort_id, since_ms, "ParticipantCompleted")) == 2


async def test_completions_left_unsettled_by_a_stop_right_after_a_session_was_held_are_settled_at_the_next_start(
        service, enrollment_feed, known_to_sessions, roster_of, generate, mongo_url):
    database = f"test_sessions_{uuid.uuid4().hex[:10]}"
    # The fixture drops a database it created on the default URL; this one must outlive the first run.
    kept = {"mongo_url": f"{mongo_url}&appName=restart-test", "mongo_database": database}
    mongo = AsyncMongoClient(mongo_url)
    try:
        async with service(create_sessions, SessionsSettings, **kept) as sessions:
            plan = [PlannedGathering(kind=GatheringKind.GATHERING, days=1)]
            cohort, [ada] = await open_cohort(enrollment_feed, sessions, known_to_sessions, roster_of, members=1,
                                              plan=plan)
            [only] = (await generate(sessions, cohort.cohort_id)).json()
            await sessions.put(f"/sessions/{only['id']}/attendance/{ada}", json={"status": "present"})
            assert (await sessions.post(f"/sessions/{only['id']}/held")).status_code == 200
            # Play the stop: the held session was written, its completions were not.
            await mongo[database].completions.delete_many({})
            await mongo[database].sessions.update_one({"_id": only["id"]}, {"$set": {"completion_due": True}})
            assert (await sessions.get(f"/cohorts/{cohort.cohort_id}/completions")).json()["completed"] == []

        async with service(create_sessions, SessionsSettings, **kept) as restarted:
            listing = (await restarted.get(f"/cohorts/{cohort.cohort_id}/completions")).json()
            assert [c["participant_id"] for c in listing["completed"]] == [ada]
    finally:
        await mongo.drop_database(database)
        await mongo.close()


async def test_a_missed_mandatory_gathering_made_up_in_another_cohort_or_by_an_assignment_counts_toward_completion(
        service, enrollment_feed, known_to_sessions, roster_of, published, wait_until, since_ms):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme(plan=[])
        spring = enrollment_feed.cohort(programme, starts_on=date(2026, 1, 5))
        autumn = enrollment_feed.cohort(programme, starts_on=date(2026, 8, 3))
        here = [enrollment_feed.enrolled(spring.cohort_id, n) for n in (1, 2, 3)]
        there = enrollment_feed.enrolled(autumn.cohort_id, 1)
        await enrollment_feed.send(programme, spring, autumn, *here, there)
        for cohort, members in ((spring, 3), (autumn, 1)):
            await known_to_sessions(sessions, cohort.cohort_id)
            await roster_of(sessions, cohort.cohort_id, members)
        ada, bo, cy = (e.participant_id for e in here)
        missed = (await sessions.post(f"/cohorts/{spring.cohort_id}/sessions", json=PAST_DAY)).json()
        other_day = PAST_DAY | {"starts_at": "2026-10-19T09:00:00", "ends_at": "2026-10-19T16:00:00"}
        elsewhere = (await sessions.post(f"/cohorts/{autumn.cohort_id}/sessions", json=other_day)).json()
        assert missed["mandatory"] and elsewhere["mandatory"]
        await sessions.put(f"/sessions/{missed['id']}/attendance/{ada}", json={"status": "present"})
        assert (await sessions.post(f"/sessions/{missed['id']}/held", json={})).status_code == 200
        completions = f"/cohorts/{spring.cohort_id}/completions"
        assert [c["participant_id"] for c in (await sessions.get(completions)).json()["completed"]] == [ada]

        url = f"/sessions/{missed['id']}/make-ups"
        # Made up in a session not yet held, for someone who was there, or without saying what: refused.
        early = await sessions.put(f"{url}/{bo}", json={"kind": "session", "session_id": elsewhere["id"]})
        assert early.status_code == 409 and "has not been held" in early.json()["detail"]
        assert (await sessions.put(f"{url}/{ada}", json={"kind": "assignment", "note": "essay"})).status_code == 409
        assert (await sessions.put(f"{url}/{cy}", json={"kind": "assignment"})).status_code == 422
        assert (await sessions.put(f"{url}/{cy}", json={"kind": "session", "session_id": missed["id"]})
                ).status_code == 422

        await sessions.put(f"/sessions/{elsewhere['id']}/attendance/{there.participant_id}", json={"status": "present"})
        assert (await sessions.post(f"/sessions/{elsewhere['id']}/held", json={})).status_code == 200
        made_up = await sessions.put(f"{url}/{bo}", json={"kind": "session", "session_id": elsewhere["id"]})
        assert made_up.status_code == 200, made_up.text
        assert [(m["participant_id"], m["kind"], m["session_id"]) for m in made_up.json()["make_ups"]] == [
            (bo, "session", elsewhere["id"])]
        assigned = await sessions.put(f"{url}/{cy}", json={"kind": "assignment",
                                                          "note": "wrote a reflection on the kickoff's dialogue"})
        assert assigned.status_code == 200, assigned.text
        listing = (await sessions.get(completions)).json()
        assert sorted(c["participant_id"] for c in listing["completed"]) == sorted([ada, bo, cy])

        async def made_up_and_completed():
            made = await published(spring.cohort_id, since_ms, "MakeUpRecorded")
            done = await published(spring.cohort_id, since_ms, "ParticipantCompleted")
            return (made, done) if len(made) == 2 and len(done) == 3 else None

        made, _ = await wait_until(made_up_and_completed)
        assert sorted((e["participant_id"], e["kind"], e.get("make_up_session_id")) for _, e in made) == sorted(
            [(bo, "session", elsewhere["id"]), (cy, "assignment", None)])
