"""Calendar subscriptions a calendar application can use: a secret link, no Authorization header,
revoked by asking for a new one; feeds follow reschedules and cancellations (read with icalendar)."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from icalendar import Calendar
from pymongo import AsyncMongoClient

from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings


def events_of(response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")}


async def test_a_participant_subscribes_with_a_secret_link_that_follows_changes_and_dies_when_replaced(
        service, enrollment_feed, roster_of, caller, mongo_url, spans):
    async with service(create_sessions, SessionsSettings, public_url="https://samla.example.no/sessions") as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        ada, bo = enrollment_feed.enrolled(cohort.cohort_id, 1), enrollment_feed.enrolled(cohort.cohort_id, 2)
        await enrollment_feed.send(programme, cohort, ada, bo)
        await roster_of(sessions, cohort.cohort_id, 2)
        session = (await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "gathering", "title": "Samling på Ærø – dag én", "starts_at": "2031-03-03T09:00:00",
            "ends_at": "2031-03-03T16:00:00"})).json()

        as_ada = caller(sessions, ada.participant_id, roles=["participant"], person_id=ada.participant_id)
        anonymous = caller(sessions, token=None)
        async with as_ada, anonymous:
            assert (await as_ada.post(f"/participants/{bo.participant_id}/calendar-feed")).status_code == 404
            issued = await as_ada.post(f"/participants/{ada.participant_id}/calendar-feed")
            assert issued.status_code == 201, issued.text
            link = issued.json()["url"]
            assert link.startswith("https://samla.example.no/sessions/calendar-feeds/") and link.endswith(".ics")
            assert issued.json()["webcal_url"] == "webcal://" + link.removeprefix("https://")
            path = urlsplit(link).path.removeprefix("/sessions")

            feed = events_of(await anonymous.get(path))
            assert str(feed[session["id"]]["SUMMARY"]) == "Samling på Ærø – dag én"
            assert (str(feed[session["id"]]["STATUS"]), feed[session["id"]]["SEQUENCE"]) == ("CONFIRMED", 0)

            moved = await sessions.patch(f"/sessions/{session['id']}", json={
                "starts_at": "2031-03-10T09:00:00", "ends_at": "2031-03-10T16:00:00", "reason": "lokalet var tatt"})
            assert moved.status_code == 200, moved.text
            event = events_of(await anonymous.get(path))[session["id"]]
            assert event["SEQUENCE"] == 1 and event.decoded("DTSTART").isoformat() == "2031-03-10T08:00:00+00:00"
            await sessions.post(f"/sessions/{session['id']}/cancellation", json={"reason": "for få påmeldte"})
            event = events_of(await anonymous.get(path))[session["id"]]
            assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 2)

            secret = path.removeprefix("/calendar-feeds/").removesuffix(".ics")
            assert not [s for s in spans.get_finished_spans() if secret in f"{s.name} {dict(s.attributes or {})}"], \
                "the link is a credential: no trace may hold it"
            mongo = AsyncMongoClient(mongo_url)
            try:
                database = mongo[sessions._transport.app.state.runtime.settings.mongo_database]
                stored = [doc async for doc in database.calendar_feeds.find({})]
                assert [doc["_id"] for doc in stored] == [hashlib.sha256(secret.encode()).hexdigest()]
                assert secret not in str(stored) and secret not in str(
                    [doc async for doc in database.calendar_feed_owners.find({})])
            finally:
                await mongo.close()

            renewed = await as_ada.post(f"/participants/{ada.participant_id}/calendar-feed")
            new_path = urlsplit(renewed.json()["url"]).path.removeprefix("/sessions")
            assert new_path != path
            gone = await anonymous.get(path)
            assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
            assert session["id"] in events_of(await anonymous.get(new_path))
            assert (await anonymous.get("/calendar-feeds/made-up-secret.ics")).status_code == 404


async def test_a_coordinator_subscribes_to_a_cohort_of_their_network_only(
        service, enrollment_feed, known_to_sessions, caller):
    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        await enrollment_feed.send(programme, cohort)
        await known_to_sessions(sessions, cohort.cohort_id)
        session = (await sessions.post(f"/cohorts/{cohort.cohort_id}/sessions", json={
            "kind": "digital_meeting", "title": "Digitalt møte", "online": True,
            "starts_at": "2031-04-01T09:00:00", "ends_at": "2031-04-01T12:00:00"})).json()
        mine = caller(sessions, "kari", roles=["network_coordinator"], networks=[cohort.network_id])
        other = caller(sessions, "søren", roles=["programme_coordinator"], networks=["net-region-syddanmark"])
        anonymous = caller(sessions, token=None)
        async with mine, other, anonymous:
            assert (await other.post(f"/cohorts/{cohort.cohort_id}/calendar-feed")).status_code == 404
            issued = await mine.post(f"/cohorts/{cohort.cohort_id}/calendar-feed")
            assert issued.status_code == 201, issued.text
            feed = await anonymous.get(urlsplit(issued.json()["url"]).path)
            calendar = Calendar.from_ical(feed.content)
            assert str(calendar["X-WR-CALNAME"]) == "Samla: Kulturkompetanse – spring-2027"
            assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Digitalt møte"]
            assert str(calendar.walk("VEVENT")[0]["UID"]) == f"{session['id']}@sessions.samla"


async def test_an_erased_participants_feed_link_stops_working_and_their_links_show_in_an_access_request(
        service, enrollment_feed, roster_of, caller, wait_until):
    from datetime import UTC, datetime

    from samla_shared.contract.enrollment import ParticipantErased

    async with service(create_sessions, SessionsSettings) as sessions:
        programme = enrollment_feed.programme()
        cohort = enrollment_feed.cohort(programme)
        ada = enrollment_feed.enrolled(cohort.cohort_id, 1)
        await enrollment_feed.send(programme, cohort, ada)
        await roster_of(sessions, cohort.cohort_id, 1)
        as_ada = caller(sessions, ada.participant_id, roles=["participant"], person_id=ada.participant_id)
        anonymous = caller(sessions, token=None)
        async with as_ada, anonymous:
            issued = await as_ada.post(f"/participants/{ada.participant_id}/calendar-feed")
            path = urlsplit(issued.json()["url"]).path
            assert (await anonymous.get(path)).status_code == 200
            held = (await sessions.get(f"/people/{ada.participant_id}/data")).json()
            assert [f["participant_id"] for f in held["calendar_feeds"]] == [ada.participant_id]
            assert path.split("/")[-1].removesuffix(".ics") not in str(held)

            await enrollment_feed.send(ParticipantErased(network_id=ada.network_id, participant_id=ada.participant_id,
                                                         erasure_id="erasure-1", erased_at=datetime.now(UTC)))

            async def revoked() -> bool:
                return (await anonymous.get(path)).status_code == 404

            await wait_until(revoked)
            assert (await sessions.get(f"/people/{ada.participant_id}/data")).json()["calendar_feeds"] == []
