"""Mails that ask someone to act, on the real stack: representatives asked to agree to a measure,
managers reminded of applications waiting for them, and links to the portal page where one acts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from pymongo import AsyncMongoClient

from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationStepApproved,
    ApplicationSubmitted,
    ParticipantErased,
    ParticipantWithdrawn,
    SeatOffered,
)
from samla_shared.contract.measures import MeasureAdopted, MeasureOwner, MeasureProposed
from samla_shared.contract.sessions import AttendanceCorrected, AttendanceCounts, SessionHeld

PORTAL = "https://portal.samla.test"


def _of_kind(messages, kind):
    return [m for m in messages if m["X-Samla-Notification"] == kind]


async def _async(value):
    return value


async def test_a_proposed_measure_asks_the_union_and_the_safety_representative_once_each(
        start_notifications, publish, people, mailbox, wait_until, caller):
    leader = people.add("Liv Leder")
    union = people.add("Tore Tillitsvalgt")
    safety = people.add("Mette Arbejdsmiljø", language="da")
    measure_id = f"measure-{uuid.uuid4().hex[:10]}"
    common = {"network_id": f"net-{uuid.uuid4().hex[:8]}", "measure_id": measure_id, "organisation_id": "org-1",
              "unit_ids": ["unit-7"], "area": "full_time_culture"}
    owners = [MeasureOwner(role="leader", person_id=leader),
              MeasureOwner(role="union_representative", person_id=union),
              MeasureOwner(role="safety_representative", person_id=safety)]
    async with start_notifications(portal_url=PORTAL) as notifications:
        # The union representative chose English mail here, with their own token.
        as_union = caller(notifications, "tore", roles=["union_representative"], person_id=union,
                          organisations=["org-1"], units=["unit-7"])
        chosen = await as_union.put(f"/preferences/{union}", json={"language": "en"})
        assert chosen.status_code == 200, chosen.text
        assert (await as_union.get(f"/preferences/{safety}")).status_code == 404, "another person's preferences"
        proposed = MeasureProposed(**common, owners=owners)
        first = await publish(proposed)
        await publish(proposed, id=first.id)  # the same event delivered again
        await publish(proposed)  # the measure proposed anew: still one request per person
        # A later event on the measure's partition: once it is handled, so are the three above.
        await publish(MeasureAdopted(**common, owners=owners, adopted_on=date.today(),
                                     next_follow_up_due=date.today() + timedelta(days=60)))

        async def follow_ups_planned():
            found = (await notifications.get("/reminders", params={"measure_id": measure_id})).json()
            return len(found) == 3

        await wait_until(follow_ups_planned)

        async def both_asked():
            sent = (await notifications.get("/notifications", params={"kind": "agreement_requested",
                                                                      "status": "sent"})).json()
            return {e["recipient_id"] for e in sent} >= {union, safety}

        await wait_until(both_asked)
        [to_union] = _of_kind(mailbox.to(people.email(union)), "agreement_requested")
        [to_safety] = _of_kind(mailbox.to(people.email(safety)), "agreement_requested")
        assert _of_kind(mailbox.to(people.email(leader)), "agreement_requested") == []

        link = f"{PORTAL}/measures/{measure_id}"
        assert to_union["Subject"] == "A new measure in full-time culture awaits your agreement"
        assert to_union["Content-Language"] == "en"
        assert f"Review the measure and answer here: {link}" in mailbox.text(to_union)
        assert f'<a href="{link}">' in mailbox.html(to_union)
        assert to_safety["Subject"] == "En ny indsats inden for fuldtidskultur venter på din tilslutning"
        assert to_safety["Content-Language"] == "da"
        assert f"Se indsatsen og svar her: {link}" in mailbox.text(to_safety)
        assert "Kære Mette Arbejdsmiljø" in mailbox.text(to_safety)
        # Each representative reads their own mail log, and only theirs.
        own_log = (await as_union.get("/notifications")).json()
        assert {(e["recipient_id"], e["kind"]) for e in own_log} == {(union, "agreement_requested")}
        assert (await as_union.get("/notifications", params={"recipient_id": safety})).json() == []


async def test_a_waiting_application_reminds_its_manager_after_the_configured_days_and_a_decided_one_does_not(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, clock):
    world = new_cohort()
    leder = people.add("Liv Leder")
    kari, ola, per = people.add("Kari Nordmann"), people.add("Ola Nordmann"), people.add("Per Hansen")
    async with start_notifications(clock=clock, approval_reminder_days=2, portal_url=PORTAL) as notifications:
        await open_cohort(world)
        submitted = {}
        for person in (kari, ola, per):
            submitted[person] = await publish(ApplicationSubmitted(**world.application(person), manager_id=leder,
                                                                   requires_manager_approval=True))
        await publish(ApplicationApproved(**world.application(ola), approved_by=leder))
        await publish(ParticipantWithdrawn(**world.application(per), previous_status="awaiting_manager_approval"))

        async def only_karis_reminder_waits():
            found = (await notifications.get("/reminders", params={"recipient_id": leder})).json()
            return found if [r["application_id"] for r in found] == [f"app-{kari}"] else None

        [reminder] = await wait_until(only_karis_reminder_waits)
        assert reminder["kind"] == "approval_reminder" and reminder["status"] == "pending"
        # FerretDB keeps milliseconds; the moment is the application's own time plus the two days.
        fire_at = datetime.fromisoformat(reminder["fire_at"])
        assert abs(fire_at - (submitted[kari].time + timedelta(days=2))) < timedelta(milliseconds=1)

        # Two days on: the manager is reminded of Kari's application only.
        clock.move_to(submitted[per].time + timedelta(days=2, minutes=1))

        async def reminded():
            return _of_kind(mailbox.to(people.email(leder)), "approval_reminder")

        [mail] = await wait_until(reminded)
        assert mail["Subject"] == "Påminnelse: søknaden fra Kari Nordmann venter på svaret ditt"
        assert "for 2 dager siden" in mailbox.text(mail)
        assert f"Svar på søknaden her: {PORTAL}/applications/app-{kari}" in mailbox.text(mail)

        async def marked_sent():
            found = (await notifications.get("/reminders", params={"application_id": f"app-{kari}"})).json()
            return [r["status"] for r in found] == ["sent"]

        await wait_until(marked_sent)
        log = (await notifications.get("/notifications", params={"recipient_id": leder,
                                                                 "kind": "approval_reminder"})).json()
        assert [e["fact_id"] for e in log] == [f"approval-reminder:app-{kari}"]
        assert len(_of_kind(mailbox.to(people.email(leder)), "approval_reminder")) == 1
        # Kari's receipt sent her to her own page; the manager's request to the application's.
        [receipt] = mailbox.to(people.email(kari))
        assert f"{PORTAL}/me" in mailbox.text(receipt)
        [request] = [m for m in _of_kind(mailbox.to(people.email(leder)), "approval_requested")
                     if f"app-{kari}" in mailbox.text(m)]
        assert f"Svar på søknaden her: {PORTAL}/applications/app-{kari}" in mailbox.text(request)
        assert "i Samla (søknad" not in mailbox.text(request)


async def test_a_due_approval_reminder_survives_a_restart(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, clock, mongo_url):
    world = new_cohort()
    leder, kari = people.add("Liv Leder"), people.add("Kari Nordmann")
    kept = {"mongo_url": mongo_url + "&appName=restart",
            "mongo_database": f"test_notifications_{uuid.uuid4().hex[:10]}"}
    try:
        async with start_notifications(**kept) as before:
            await open_cohort(world)
            submitted = await publish(ApplicationSubmitted(**world.application(kari), manager_id=leder,
                                                           requires_manager_approval=True))

            async def planned():
                return (await before.get("/reminders", params={"application_id": f"app-{kari}"})).json()

            await wait_until(planned)

        # Down while the three days (the default) passed: the reminder goes out after the restart.
        clock.move_to(submitted.time + timedelta(days=3, hours=2))
        async with start_notifications(clock=clock, settle=False, **kept) as after:
            async def sent():
                found = (await after.get("/reminders", params={"application_id": f"app-{kari}"})).json()
                return [r["status"] for r in found] == ["sent"]

            await wait_until(sent)
            [mail] = _of_kind(mailbox.to(people.email(leder)), "approval_reminder")
            assert f"http://127.0.0.1:8000/applications/app-{kari}" in mailbox.text(mail)
            assert "for 3 dager siden" in mailbox.text(mail)
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(kept["mongo_database"])
        await mongo.close()


async def test_an_erased_applicant_leaves_no_reminder_to_their_manager(
        start_notifications, publish, people, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    leder, kari = people.add("Liv Leder"), people.add("Kari Nordmann")
    async with start_notifications() as notifications:
        await open_cohort(world)
        await publish(ApplicationSubmitted(**world.application(kari), manager_id=leder, requires_manager_approval=True))

        async def reminders():
            return (await notifications.get("/reminders", params={"recipient_id": leder})).json()

        await wait_until(reminders)
        await publish(ParticipantErased(network_id=world.network_id, participant_id=kari,
                                        erasure_id=uuid.uuid4().hex, erased_at=datetime.now(UTC)))

        async def gone():
            return await reminders() == []

        await wait_until(gone)


async def test_a_name_with_line_breaks_still_gets_its_mail_with_one_safe_header(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari = people.add("Kari\r\nBcc: eve@example.org\nNordmann")
    async with start_notifications() as notifications:
        await open_cohort(world)
        waitlisted = await publish(world.waitlisted(kari, position=2))
        [mail] = await wait_until(lambda: _async(mailbox.to(people.email(kari))))
        assert mail["Bcc"] is None
        assert "\n" not in mail["To"] and "Kari Bcc: eve@example.org Nordmann" in mail["To"]

        async def logged_sent():
            log = (await notifications.get("/notifications", params={"event_id": waitlisted.id})).json()
            return [e["status"] for e in log] == ["sent"]

        await wait_until(logged_sent)


async def test_a_seat_offer_tells_the_deadline_in_local_time_and_links_to_the_persons_own_page(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    expires = datetime(2027, 8, 23, 7, 30, tzinfo=UTC)  # 09:30 in Oslo (summer time)
    async with start_notifications(portal_url=PORTAL):
        await open_cohort(world)
        await publish(SeatOffered(**world.application(kari), expires_at=expires, cohort_sequence=5))
        [mail] = await wait_until(lambda: _async(_of_kind(mailbox.to(people.email(kari)), "seat_offered")))
    assert mail["Subject"].startswith("En plass er ledig til deg i")
    assert "mandag 23. august 2027" in mail["Subject"]
    text = mailbox.text(mail)
    assert "til mandag 23. august 2027 kl. 09:30" in text
    assert f"Svar her: {PORTAL}/me" in text


async def test_the_next_step_of_an_approval_chain_is_asked_and_reminded_and_the_decided_step_is_not(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, clock):
    world = new_cohort()
    leder, hr, deputy = people.add("Liv Leder"), people.add("Hanne HR"), people.add("Per Stedfortreder")
    kari = people.add("Kari Nordmann")
    async with start_notifications(clock=clock, approval_reminder_days=2, portal_url=PORTAL) as notifications:
        await open_cohort(world)
        await publish(ApplicationSubmitted(**world.application(kari), manager_id=leder,
                                           requires_manager_approval=True))
        stepped = await publish(ApplicationStepApproved(
            **world.application(kari), step=1, steps=2, step_kind="leader", approved_by=leder,
            next_step_kind="hr", next_approver_ids=[hr, deputy]))

        async def both_asked():
            mails = [_of_kind(mailbox.to(people.email(p)), "approval_step_requested") for p in (hr, deputy)]
            return mails if all(mails) else None

        [[to_hr], [to_deputy]] = await wait_until(both_asked)
        assert to_hr["Subject"].startswith("Godkjenning trengs (trinn 2 av 2): Kari Nordmann har søkt")
        assert f"Svar på søknaden her: {PORTAL}/applications/app-{kari}" in mailbox.text(to_deputy)

        async def reminders_moved_on():
            found = (await notifications.get("/reminders", params={"application_id": f"app-{kari}"})).json()
            pending = sorted(r["recipient_id"] for r in found if r["status"] == "pending")
            return found if pending == sorted([hr, deputy]) else None

        await wait_until(reminders_moved_on)
        # Two days on, the holders of the second step are reminded; the leader, who decided, is not.
        clock.move_to(stepped.time + timedelta(days=2, minutes=1))

        async def reminded():
            mails = [_of_kind(mailbox.to(people.email(p)), "approval_reminder") for p in (hr, deputy)]
            return mails if all(mails) else None

        await wait_until(reminded)
        assert _of_kind(mailbox.to(people.email(leder)), "approval_reminder") == []


async def test_an_absence_from_a_mandatory_gathering_is_told_to_the_participant_and_their_leader_once(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    leder, kari, ola = people.add("Liv Leder"), people.add("Kari Nordmann"), people.add("Ola Nordmann")
    starts = datetime(2027, 9, 1, 7, 0, tzinfo=UTC)
    async with start_notifications(portal_url=PORTAL):
        await open_cohort(world)
        for person in (kari, ola):
            await publish(ApplicationSubmitted(**world.application(person), manager_id=leder,
                                               requires_manager_approval=True))

        async def received():  # the applications (on another topic) are known before the gathering is held
            return all(_of_kind(mailbox.to(people.email(p)), "application_received") for p in (kari, ola))

        await wait_until(received)
        await publish(world.session_scheduled("s-absence", starts))
        counts = AttendanceCounts(present=1, absent=1, excused=0, partial=0)
        await publish(SessionHeld(network_id=world.network_id, cohort_id=world.cohort_id, session_id="s-absence",
                                  held_at=starts + timedelta(hours=6), attendance=counts,
                                  absent_participant_ids=[kari]))
        # A correction that repeats Kari's absence tells nobody again; one that records Ola absent tells Ola.
        await publish(AttendanceCorrected(network_id=world.network_id, cohort_id=world.cohort_id,
                                          session_id="s-absence", participant_id=kari, status="absent",
                                          attendance=counts))
        await publish(AttendanceCorrected(network_id=world.network_id, cohort_id=world.cohort_id,
                                          session_id="s-absence", participant_id=ola, status="absent",
                                          attendance=AttendanceCounts(present=0, absent=2, excused=0, partial=0)))

        async def told():
            to_leader = _of_kind(mailbox.to(people.email(leder)), "employee_absent")
            to_ola = _of_kind(mailbox.to(people.email(ola)), "absence_recorded")
            return (to_leader, to_ola) if len(to_leader) == 2 and to_ola else None

        to_leader, _ = await wait_until(told)
        [to_kari] = _of_kind(mailbox.to(people.email(kari)), "absence_recorded")
        assert to_kari["Subject"].startswith("Fravær registrert:")
        assert "onsdag 1. september 2027 kl. 09:00" in mailbox.text(to_kari)
        assert f"{PORTAL}/me" in mailbox.text(to_kari)
        assert sorted(m["Subject"].split(" var ")[0] for m in to_leader) == ["Kari Nordmann", "Ola Nordmann"]


async def test_a_teams_manager_is_asked_once_for_the_whole_team(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    world = new_cohort()
    leder, other_leder = people.add("Liv Leder"), people.add("Ola Leder")
    team = [people.add("Kari Nordmann"), people.add("Tore Tillitsvalgt"), people.add("Mette Verneombud")]
    team_id = f"team-{uuid.uuid4().hex[:8]}"
    async with start_notifications(portal_url=PORTAL):
        await open_cohort(world)
        for member in team:
            await publish(ApplicationSubmitted(**world.application(member), manager_id=leder,
                                               requires_manager_approval=True, team_id=team_id))
        # A later application on the same partition: once its manager is asked, the team's events were handled.
        await publish(ApplicationSubmitted(**world.application(people.add("Per Hansen")), manager_id=other_leder,
                                           requires_manager_approval=True))
        await wait_until(lambda: _async(_of_kind(mailbox.to(people.email(other_leder)), "approval_requested")))
        assert len(_of_kind(mailbox.to(people.email(leder)), "approval_requested")) == 1
        for member in team:
            assert _of_kind(mailbox.to(people.email(member)), "application_received")


async def test_a_mail_read_after_an_erasure_goes_nowhere_even_with_an_address_at_hand(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until):
    # The contact directory here still answers for Kari, as enrollment did for a mail whose address
    # was looked up just before her erasure there: once notifications has recorded the erasure, the
    # mail must not go out, and no delivery may keep her address.
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    erasure_id = uuid.uuid4().hex
    async with start_notifications() as notifications:
        await open_cohort(world)
        preferred = await notifications.put(f"/preferences/{kari}", json={"language": "nb"})
        assert preferred.status_code == 200, preferred.text
        await publish(ParticipantErased(network_id=world.network_id, participant_id=kari,
                                        erasure_id=erasure_id, erased_at=datetime.now(UTC)))

        async def erased():
            return (await notifications.get(f"/people/{kari}/data")).json()["preferences"] is None

        await wait_until(erased)
        await publish(world.waitlisted(kari, position=3))

        async def counted_for_the_pseudonym():
            log = (await notifications.get("/notifications", params={"recipient_id": f"erased:{erasure_id}"})).json()
            return log if [e["status"] for e in log] == ["no_contact"] else None

        [kept] = await wait_until(counted_for_the_pseudonym)
        assert kept["email"] is None
        assert (await notifications.get(f"/people/{kari}/data")).json()["deliveries"] == []
        assert mailbox.to(people.email(kari)) == []
