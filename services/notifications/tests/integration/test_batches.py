"""A burst of events, read as one batch: contact details asked once for all, every mail sent once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent
from tests.support.kafka import event_headers, open_producer

BURST = 12


async def publish_together(kafka: str, events: Sequence[IntegrationEvent], ids: Sequence[str] | None = None
                           ) -> list[CloudEvent]:
    """Put the events on their topic in one producer batch, as a burst from enrollment's relay arrives.

    Same key, one partition, one record batch on the broker: the consumer reads them in one fetch.
    """
    async with open_producer(kafka, linger_ms=500) as producer:
        clouds = [CloudEvent(data=event, source="/samla/test/producer", **({"id": ids[n]} if ids else {}))
                  for n, event in enumerate(events)]
        sent = [await producer.send(cloud.topic, cloud.value(), key=cloud.subject.encode(),
                                    headers=event_headers(cloud))
                for cloud in clouds]
        await producer.flush()
        for delivery in sent:
            await delivery
        return clouds


async def test_a_burst_of_mails_asks_enrollment_for_contact_details_once_and_mails_each_person_once(
        start_notifications, people, mailbox, new_cohort, open_cohort, wait_until, kafka_bootstrap):
    world = new_cohort()
    waiting = [people.add(f"Deltaker Nummer {chr(ord('a') + n)}") for n in range(BURST)]
    async with start_notifications() as notifications:
        await open_cohort(world)
        burst = [world.waitlisted(person, position=n + 1) for n, person in enumerate(waiting)]
        clouds = await publish_together(kafka_bootstrap, burst)

        async def everyone_mailed() -> bool:
            return all(mailbox.to(people.email(person)) for person in waiting)

        await wait_until(everyone_mailed)
        about_them = [asked for asked in people.asked if set(asked) & set(waiting)]
        assert [sorted(asked) for asked in about_them] == [sorted(waiting)], \
            "one request named everyone in the burst, and no mail asked for its own recipient"

        # The consumer crashed before committing: the same batch comes again, and nobody is mailed twice.
        await publish_together(kafka_bootstrap, burst, ids=[cloud.id for cloud in clouds])
        latecomer = people.add("Siste Deltaker")
        await publish_together(kafka_bootstrap, [world.waitlisted(latecomer, position=BURST + 1)])
        await wait_until(lambda: _async(mailbox.to(people.email(latecomer))))

        assert all(len(mailbox.to(people.email(person))) == 1 for person in waiting)
        for cloud, person in zip(clouds, waiting, strict=True):
            [entry] = (await notifications.get("/notifications", params={"event_id": cloud.id})).json()
            assert (entry["recipient_id"], entry["status"], entry["email"]) == (person, "sent", people.email(person))
            assert [attempt["outcome"] for attempt in entry["attempts"]] == ["sent"]


async def _async(value: Any) -> Any:
    return value
