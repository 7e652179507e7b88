"""The delivery log shows where a mail went only to those who may see the person.

A network coordinator follows what went out in their networks (to whom, by id, and how it
went) but not people's addresses; the person and the platform admin see the address.
"""

from __future__ import annotations


async def test_a_coordinator_sees_the_delivery_but_not_the_recipients_address(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, wait_until, caller):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    async with start_notifications() as notifications:
        await open_cohort(world)
        event = await publish(world.waitlisted(kari, position=1))

        async def logged():
            log = (await notifications.get("/notifications", params={"event_id": event.id})).json()
            return log if log and log[0]["status"] == "sent" else None

        [as_admin] = await wait_until(logged)
        assert as_admin["email"] == people.email(kari)

        coordinator = caller(notifications, "kari-coordinator", roles=["network_coordinator"],
                             networks=[world.network_id])
        [listed] = (await coordinator.get("/notifications", params={"event_id": event.id})).json()
        assert listed["recipient_id"] == kari and listed["status"] == "sent"
        assert listed["email"] is None
        one = (await coordinator.get(f"/notifications/{as_admin['id']}")).json()
        assert one["email"] is None and people.email(kari) not in str(one)

        herself = caller(notifications, "kari", roles=["participant"], person_id=kari)
        [own] = (await herself.get("/notifications", params={"event_id": event.id})).json()
        assert own["email"] == people.email(kari)
