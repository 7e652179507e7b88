"""E-mail on the real stack: events from Kafka, state in FerretDB, mail read back from a real SMTP server."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from samla_shared.contract.enrollment import ApplicationSubmitted


async def test_each_person_is_written_to_in_their_preferred_language_then_in_their_networks(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    norway = new_cohort("net-helse-nord")
    denmark = new_cohort("net-syddanmark", time_zone="Europe/Copenhagen")
    kari, ola, mette = people.add("Kari Nordmann"), people.add("Ola English"), people.add("Mette Hansen")
    networks = {"net-syddanmark": {"language": "da", "time_zone": "Europe/Copenhagen"}}

    async with start_notifications(networks=networks) as notifications:
        response = await notifications.put(f"/preferences/{ola}", json={"language": "en"})
        assert response.status_code == 200, response.text
        for world in (norway, denmark):
            await open_cohort(world, starts_on="2027-09-01")
        for world, person in ((norway, kari), (norway, ola), (denmark, mette)):
            await publish(world.enrolled(person))

        async def three_welcomes():
            return all(mailbox.to(people.email(p)) for p in (kari, ola, mette))

        await wait_until(three_welcomes)
        [to_kari], [to_ola], [to_mette] = (mailbox.to(people.email(p)) for p in (kari, ola, mette))
        assert (to_kari["Content-Language"], to_ola["Content-Language"], to_mette["Content-Language"]) == (
            "nb", "en", "da")
        assert to_kari["Subject"].startswith("Du har fått plass i")
        assert to_ola["Subject"].startswith("You have a place in")
        assert to_mette["Subject"].startswith("Du har fået plads på")
        # Dates in the recipient's own way of writing them.
        assert "onsdag 1. september 2027" in mailbox.text(to_kari)
        assert "Wednesday, 1 September 2027" in mailbox.text(to_ola)
        assert "onsdag den 1. september 2027" in mailbox.text(to_mette)

        # Times in the session's time zone: 07:00 UTC is 09:00 in Oslo and Copenhagen (summer time).
        starts = datetime(2027, 9, 1, 7, 0, tzinfo=UTC)
        await publish(norway.session_scheduled("session-no", starts))
        await publish(denmark.session_scheduled("session-dk", starts))

        async def scheduled_mails():
            return all(len(mailbox.to(people.email(p))) == 2 for p in (kari, ola, mette))

        await wait_until(scheduled_mails)
        assert "kl. 09:00 til 15:00" in mailbox.text(mailbox.to(people.email(kari))[-1])
        assert "at 09:00 to 15:00" in mailbox.text(mailbox.to(people.email(ola))[-1])
        assert "kl. 09.00 til 15.00" in mailbox.text(mailbox.to(people.email(mette))[-1])


async def test_every_mail_has_a_plain_text_part_and_an_html_part(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari = people.add("Kari <Nordmann>")
    async with start_notifications():
        await open_cohort(world)
        await publish(world.waitlisted(kari, position=4))
        [message] = await wait_until(lambda: _async(mailbox.to(people.email(kari))))
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Din plass i køen: 4." in mailbox.text(message)
    html = mailbox.html(message)
    assert "<strong>4</strong>" in html
    assert "Kari &lt;Nordmann&gt;" in html, "names are escaped in HTML"
    assert message["Auto-Submitted"] == "auto-generated"


async def test_an_event_delivered_twice_leads_to_one_mail(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari, ola = people.add("Kari Nordmann"), people.add("Ola Nordmann")
    event_id = uuid.uuid4().hex
    async with start_notifications() as notifications:
        await open_cohort(world)
        waitlisted = world.waitlisted(kari, position=1)
        await publish(waitlisted, id=event_id)
        await publish(waitlisted, id=event_id)
        await wait_until(lambda: _async(mailbox.to(people.email(kari))))
        await publish(waitlisted, id=event_id)
        # A later event on the same partition: once its mail is out, the duplicates were handled.
        await publish(world.waitlisted(ola, position=2))
        await wait_until(lambda: _async(mailbox.to(people.email(ola))))

        assert len(mailbox.to(people.email(kari))) == 1
        log = (await notifications.get("/notifications", params={"event_id": event_id})).json()
        assert [(entry["recipient_id"], entry["status"]) for entry in log] == [(kari, "sent")]
        assert [attempt["outcome"] for attempt in log[0]["attempts"]] == ["sent"]
        assert log[0]["email"] == people.email(kari)


async def test_an_application_tells_the_applicant_and_asks_the_named_manager(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari, leder = people.add("Kari Nordmann"), people.add("Liv Leder")
    async with start_notifications() as notifications:
        await open_cohort(world)
        submitted = await publish(ApplicationSubmitted(**world.application(kari), manager_id=leder,
                                                       requires_manager_approval=True))
        await wait_until(lambda: _async(mailbox.to(people.email(leder))))
        [to_manager] = mailbox.to(people.email(leder))
        assert to_manager["Subject"].startswith("Godkjenning trengs: Kari Nordmann har søkt")
        [to_applicant] = await wait_until(lambda: _async(mailbox.to(people.email(kari))))
        assert "Lederen din må godkjenne" in mailbox.text(to_applicant)

        by_recipient = (await notifications.get("/notifications", params={"recipient_id": leder})).json()
        assert [(e["event_id"], e["kind"]) for e in by_recipient] == [(submitted.id, "approval_requested")]

        async def both_logged_as_sent() -> set[str]:
            # The log is marked "sent" just after the SMTP server accepted the mail, so poll for it.
            sent = (await notifications.get("/notifications", params={"event_id": submitted.id,
                                                                         "status": "sent"})).json()
            kinds = {e["kind"] for e in sent}
            return kinds if len(kinds) == 2 else set()

        assert await wait_until(both_logged_as_sent) == {"application_received", "approval_requested"}


async def test_a_turned_off_category_is_not_mailed_but_mandatory_messages_are(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    async with start_notifications() as notifications:
        response = await notifications.put(f"/preferences/{kari}",
                                           json={"opted_out": ["session_updates", "reminders"]})
        assert response.status_code == 200, response.text
        await open_cohort(world)
        await publish(world.enrolled(kari))
        await wait_until(lambda: _async(mailbox.to(people.email(kari))))
        scheduled = await publish(world.session_scheduled("s-1", datetime.now(UTC) + timedelta(days=30)))

        async def skipped():
            log = (await notifications.get("/notifications", params={"event_id": scheduled.id})).json()
            return log and log[0]["status"] == "opted_out"

        await wait_until(skipped)
        [only] = mailbox.to(people.email(kari))
        assert only["X-Samla-Notification"] == "enrolled"


async def test_a_template_that_fails_to_render_sends_the_event_to_the_dead_letter_topic_and_no_mail(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, topic_records, tmp_path):
    broken = tmp_path / "templates" / "nb"
    broken.mkdir(parents=True)
    (broken / "waitlisted.j2").write_text(
        '{% extends "nb/_layout.j2" %}\n{% block subject %}Venteliste{% endblock %}\n'
        '{% block text %}Plass {{ application.waitlist_position }}, frist {{ application.deadline }}{% endblock %}\n'
        '{% block html %}<p>{{ application.waitlist_position }}</p>{% endblock %}\n')
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    since_ms = int(time.time() * 1000) - 1000
    async with start_notifications(templates_dir=str(tmp_path / "templates")) as notifications:
        await open_cohort(world)
        event = await publish(world.waitlisted(kari, position=2))

        async def dead_letter():
            records = await topic_records("samla.enrollment.v1.dlq", key=world.cohort_id, since_ms=since_ms)
            return [r for r in records if dict(r.headers)["ce_id"].decode() == event.id]

        [record] = await wait_until(dead_letter)
        reason = dict(record.headers)["dlq_reason"].decode()
        assert "nb/waitlisted.j2" in reason and "deadline" in reason
        assert mailbox.to(people.email(kari)) == []
        [entry] = (await notifications.get("/notifications", params={"event_id": event.id})).json()
        assert entry["status"] == "failed" and "deadline" in entry["attempts"][-1]["error"]


async def test_a_send_cut_short_by_a_crash_is_completed_once_when_the_event_comes_again(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, mongo_url):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    database = f"test_notifications_{uuid.uuid4().hex[:10]}"
    event_id = uuid.uuid4().hex
    mongo = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        async with start_notifications(mongo_database=database, send_lease_seconds=2.0) as notifications:
            # What a process that died while talking to the SMTP server leaves behind: a fresh claim.
            now = datetime.now(UTC)
            await mongo[database].deliveries.insert_one({
                "_id": f"{event_id}:{kari}:waitlisted", "channel": "email", "kind": "waitlisted",
                "category": "service", "recipient_id": kari, "event_id": event_id,
                "event_type": "ParticipantWaitlisted", "fact_id": event_id, "network_id": world.network_id,
                "email": people.email(kari), "language": "nb", "status": "sending", "claimed_at": now,
                "updated_at": now, "created_at": now, "attempts": []})
            await open_cohort(world)
            await publish(world.waitlisted(kari, position=1), id=event_id)

            async def logged_as_sent():
                # The log says "sent" only after the SMTP server accepted the mail, which is
                # after the mail reached the mailbox: wait for the log, not for the mailbox.
                entries = (await notifications.get("/notifications", params={"event_id": event_id})).json()
                return entries if entries and entries[0]["status"] == "sent" else None

            [entry] = await wait_until(logged_as_sent)
            [message] = mailbox.to(people.email(kari))
            assert [a["outcome"] for a in entry["attempts"]] == ["interrupted", "sent"]
            assert message["Message-ID"].endswith("@samla.local>")
            await publish(world.waitlisted(kari, position=1), id=event_id)
            await publish(world.waitlisted(people.add("Ola Nordmann"), position=2))
            await wait_until(lambda: _async(len(mailbox.messages()) >= 2))
            assert len(mailbox.to(people.email(kari))) == 1
    finally:
        await mongo.drop_database(database)
        await mongo.close()


async def _async(value):
    return value
