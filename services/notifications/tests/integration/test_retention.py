"""The delivery log and webhook bodies expire: addresses and copies of events are not kept forever."""

from __future__ import annotations

from datetime import timedelta


async def _async(value):
    return value


async def test_old_deliveries_and_webhook_bodies_expire_and_recent_ones_stay(
        start_notifications, publish, people, mailbox, new_cohort, open_cohort, webhook_receiver, wait_until,
        clock, caller):
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    async with start_notifications(clock=clock, delivery_log_retention=timedelta(days=180),
                                   webhook_body_retention=timedelta(days=7)) as notifications:
        subscription = (await notifications.post("/subscriptions", json={
            "url": webhook_receiver.url, "event_types": ["ParticipantWaitlisted"],
            "network_id": world.network_id})).json()
        await open_cohort(world)
        event = await publish(world.waitlisted(kari, position=1))

        async def settled():
            log = (await notifications.get("/notifications", params={"event_id": event.id})).json()
            hook = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries/{event.id}")).json()
            return (log, hook) if log and log[0]["status"] == "sent" and hook.get("status") == "delivered" else None

        [mail], _ = await wait_until(settled)
        deliveries = f"/subscriptions/{subscription['id']}/deliveries/{event.id}"

        # (The service's start-up probes leave deliveries of their own: counts are at least ours.)
        nothing_yet = (await notifications.post("/retention/run")).json()
        assert nothing_yet == {"mail_records": 0, "webhook_bodies": 0, "webhook_deliveries": 0}
        assert (await notifications.post(f"{deliveries}/redelivery")).status_code == 202
        await wait_until(lambda: _async(len(webhook_receiver.received) == 2))

        async def delivered_again():
            found = (await notifications.get(deliveries)).json()
            return found.get("status") == "delivered"

        await wait_until(delivered_again)
        clock.offset = timedelta(days=8)
        # Only the platform admin runs a round on demand.
        coordinator = caller(notifications, roles=["network_coordinator"], networks=[world.network_id])
        assert (await coordinator.post("/retention/run")).status_code == 403
        week = (await notifications.post("/retention/run")).json()
        assert week["mail_records"] == 0 and week["webhook_deliveries"] == 0 and week["webhook_bodies"] >= 1
        assert (await notifications.get(deliveries)).json()["status"] == "delivered"
        refused = await notifications.post(f"{deliveries}/redelivery")
        assert refused.status_code == 409 and "retention" in refused.json()["detail"]
        assert (await notifications.get(f"/notifications/{mail['id']}")).status_code == 200

        clock.offset = timedelta(days=181)
        half_year = (await notifications.post("/retention/run")).json()
        assert half_year["mail_records"] >= 1 and half_year["webhook_deliveries"] >= 1
        assert (await notifications.get(f"/notifications/{mail['id']}")).status_code == 404
        assert (await notifications.get(deliveries)).status_code == 404
        assert (await notifications.post("/retention/run")).json() == {
            "mail_records": 0, "webhook_bodies": 0, "webhook_deliveries": 0}
