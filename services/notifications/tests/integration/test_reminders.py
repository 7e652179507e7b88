"""Reminders on the real stack: stored in FerretDB, fired by the service's own clock, mailed over SMTP."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from pymongo import AsyncMongoClient

from samla_shared.contract.measures import MeasureAdopted, MeasureProposed


def whole_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def test_rescheduling_a_session_moves_its_reminders(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, clock):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    first = whole_hour(datetime.now(UTC) + timedelta(days=10))
    moved = whole_hour(datetime.now(UTC) + timedelta(days=20))
    async with start_notifications(clock=clock) as notifications:
        await open_cohort(world)
        await publish(world.enrolled(kari))
        await wait_until(lambda: _async(mailbox.to(people.email(kari))))
        await publish(world.session_scheduled("samling-1", first))

        async def reminders(count: int):
            found = (await notifications.get("/reminders", params={"session_id": "samling-1"})).json()
            return found if len(found) == count and all(r["status"] == "pending" for r in found) else None

        planned = await wait_until(lambda: reminders(2))
        assert sorted(datetime.fromisoformat(r["fire_at"]) for r in planned) == [
            first - timedelta(days=7), first - timedelta(days=1)]

        await publish(world.session_rescheduled("samling-1", moved))

        async def moved_reminders():
            found = await reminders(2)
            times = sorted(datetime.fromisoformat(r["fire_at"]) for r in found or [])
            return times == [moved - timedelta(days=7), moved - timedelta(days=1)]

        await wait_until(moved_reminders)
        await wait_until(lambda: _async(len(mailbox.to(people.email(kari))) == 3))  # enrolled, scheduled, moved
        [moved_mail] = [m for m in mailbox.to(people.email(kari)) if m["X-Samla-Notification"] == "session_rescheduled"]
        assert "Påminnelsene dine følger den nye tiden." in mailbox.text(moved_mail)

        # The day before the original time passes without a reminder; a week before the new time brings one.
        clock.move_to(first - timedelta(days=1) + timedelta(minutes=1))
        clock.move_to(moved - timedelta(days=7) + timedelta(minutes=1))

        def reminder_mails():
            return [m for m in mailbox.to(people.email(kari)) if m["X-Samla-Notification"] == "session_reminder"]

        [reminder] = await wait_until(lambda: _async(reminder_mails()))
        assert reminder["Subject"] == "Påminnelse: samling om 7 dager"
        parts = [part.get_content_type() for part in reminder.walk() if not part.is_multipart()]
        assert parts == ["text/plain", "text/html", "text/calendar"]
        [attachment] = [p for p in reminder.walk() if p.get_content_type() == "text/calendar"]
        [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
        assert event.decoded("dtstart") == moved
        assert event.decoded("dtstart").tzinfo.key == "Europe/Oslo"
        assert int(event["sequence"]) == 1
        assert str(event["location"]) == "Tromsø"

        async def seven_day_reminder_sent():
            found = (await notifications.get("/reminders", params={"session_id": "samling-1"})).json()
            return {r["days_before"]: r["status"] for r in found} == {7: "sent", 1: "pending"}

        await wait_until(seven_day_reminder_sent)
        assert len(reminder_mails()) == 1


async def test_cancelling_a_session_drops_its_reminders_and_tells_the_participants(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    starts = whole_hour(datetime.now(UTC) + timedelta(days=14))
    async with start_notifications() as notifications:
        await open_cohort(world)
        await publish(world.session_scheduled("samling-2", starts))
        # Enrolled after the session was planned: the participant still gets its reminders.
        await publish(world.enrolled(kari))

        async def planned():
            found = (await notifications.get("/reminders", params={"recipient_id": kari})).json()
            return len(found) == 2

        await wait_until(planned)
        # Lists filter by network: another network's coordinator sees none of these.
        mine = (await notifications.get("/reminders", params={"recipient_id": kari, "network_id": world.network_id}))
        assert len(mine.json()) == 2
        assert (await notifications.get("/reminders", params={"network_id": "net-elsewhere"})).json() == []
        async def logged_in_network():
            return (await notifications.get("/notifications", params={"recipient_id": kari,
                                                                      "network_id": world.network_id})).json()

        sent = await wait_until(logged_in_network)  # the welcome mail
        assert all(n["network_id"] == world.network_id for n in sent)
        assert (await notifications.get("/notifications", params={"recipient_id": kari,
                                                                  "network_id": "net-elsewhere"})).json() == []
        await publish(world.session_cancelled("samling-2"))

        def cancellation():
            return [m for m in mailbox.to(people.email(kari)) if m["X-Samla-Notification"] == "session_cancelled"]

        [mail] = await wait_until(lambda: _async(cancellation()))
        assert mail["Subject"].startswith("Avlyst: samling")
        assert (await notifications.get("/reminders", params={"session_id": "samling-2"})).json() == []


async def test_reminders_survive_a_restart_and_only_the_nearest_one_goes_out_after_it(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, clock, mongo_url):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    starts = whole_hour(datetime.now(UTC) + timedelta(days=9))
    # Kept between the two runs: a URL the fixture does not recognise as its own is not dropped at the end.
    kept = {"mongo_url": mongo_url + "&appName=restart", "mongo_database": f"test_notifications_{uuid.uuid4().hex[:10]}"}
    try:
        async with start_notifications(**kept) as before:
            await open_cohort(world)
            await publish(world.enrolled(kari))
            await wait_until(lambda: _async(mailbox.to(people.email(kari))))
            await publish(world.session_scheduled("samling-3", starts))

            async def planned():
                return len((await before.get("/reminders", params={"session_id": "samling-3"})).json()) == 2

            await wait_until(planned)

        # Down past both moments: after the restart, one reminder (the nearest) goes out, not two.
        clock.move_to(starts - timedelta(days=1) + timedelta(minutes=5))
        async with start_notifications(clock=clock, settle=False, **kept) as after:
            async def closed():
                found = (await after.get("/reminders", params={"session_id": "samling-3"})).json()
                return {r["days_before"]: r["status"] for r in found} == {7: "dropped", 1: "sent"}

            await wait_until(closed)
            [reminder] = [m for m in mailbox.to(people.email(kari)) if m["X-Samla-Notification"] == "session_reminder"]
            assert reminder["Subject"] == "Påminnelse: samling i morgen"
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(kept["mongo_database"])
        await mongo.close()


async def test_a_measure_follow_up_is_reminded_on_its_due_date(
        start_notifications, publish, people, mailbox, wait_until, clock):
    facilitator = people.add("Siri Fasilitator")
    due = date.today() + timedelta(days=40)
    common = {"network_id": "net-tiltak", "measure_id": f"measure-{facilitator}", "organisation_id": "org-1",
              "unit_ids": ["unit-7"], "area": "full_time_culture"}
    async with start_notifications(clock=clock) as notifications:
        await publish(MeasureProposed(**common, facilitator_id=facilitator))
        await publish(MeasureAdopted(**common, adopted_on=date.today(), next_follow_up_due=due))

        async def planned():
            return (await notifications.get("/reminders", params={"measure_id": common["measure_id"]})).json()

        [reminder] = await wait_until(planned)
        fire_at = datetime.fromisoformat(reminder["fire_at"])
        assert fire_at.astimezone(ZoneInfo("Europe/Oslo")).replace(tzinfo=None) == datetime.combine(due, time(8))
        clock.move_to(fire_at + timedelta(minutes=1))
        [mail] = await wait_until(lambda: _async(mailbox.to(people.email(facilitator))))
        assert mail["Subject"] == "Tid for oppfølging av tiltaket innen heltidskultur"


async def _async(value):
    return value
