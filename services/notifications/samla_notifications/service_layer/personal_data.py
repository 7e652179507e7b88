"""Erasure and access requests in notifications.

On ParticipantErased: the person's preferences, the reminders planned for them and their
rows in the roster and interest read models are deleted (they exist only to write to
them); each delivery to them is kept as a statistic under the pseudonym
`erased:<erasure id>`, without the address and error texts; applications and measures in
the read model name the pseudonym instead, and a manager is no longer reminded of an erased
applicant's application. Mail already sent is outside Samla. A mail that would still be due
finds no contact at enrollment (the person is gone there) and is recorded as `no_contact`.

A mail may be in preparation while the erasure runs (its event was read just before, the
address taken from the preferences just before they went). The two meet on the database: the
erasure first records the person as erased, then moves the deliveries; a mail first claims its
delivery (with the address), then asks whether the person was erased. Whichever order the
four writes and reads take, one of them sees the other: either the erasure finds the claim
and moves it, or the mail finds the record, sends nothing and moves its own claim.
"""

from __future__ import annotations

import logging
from typing import Any

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.personal_data import pseudonym
from samla_notifications.adapters.delivery_log import COLLECTION as DELIVERIES
from samla_notifications.adapters.ports import PersonalDataRepository
from samla_notifications.domain.deliveries import delivery_key
from samla_notifications.domain.reminders import approval_reminder_id

log = logging.getLogger("samla.notifications.personal_data")


class PersonalData:
    def __init__(self, store: PersonalDataRepository, locks: DocumentLocks) -> None:
        self.store = store
        self._locks = locks

    async def on_erased(self, event: CloudEvent) -> None:
        data: ParticipantErased = event.data  # type: ignore[assignment]
        person_id, alias = data.participant_id, pseudonym(data.erasure_id)
        await self.store.mark_erased(person_id, alias)  # before the deliveries are read: see the module's note
        preferences = await self.store.delete_preferences(person_id)
        deliveries = await self.store.deliveries_to(person_id)
        for delivery in deliveries:
            await self.forget_delivery(delivery["_id"], alias)
        for application in await self.store.applications_naming(person_id):
            async with self._locks.hold("applications", application["_id"]):
                await self.store.set_fields("applications", application["_id"], {
                    role: alias for role in ("participant_id", "manager_id") if application.get(role) == person_id})
            if application.get("participant_id") == person_id:
                await self.store.delete_reminder(approval_reminder_id(application["_id"]))
        for measure in await self.store.measures_naming(person_id):
            async with self._locks.hold("measures", measure["_id"]):
                await self.store.set_fields("measures", measure["_id"], {
                    "people": [alias if p == person_id else p for p in measure.get("people", [])]})
        counts = {"deliveries": len(deliveries), "preferences": preferences,
                  "reminders": await self.store.delete_reminders(person_id),
                  "read_model": await self.store.delete_roster_and_interests(person_id)}
        log.info("erasure %s done here: %s", data.erasure_id, counts)

    async def erased_as(self, person_id: str) -> str | None:
        """The pseudonym of an erased person; None for anyone else."""
        return await self.store.alias_of(person_id)

    async def forget_delivery(self, key: str, alias: str) -> None:
        """Keep the delivery under `key` as a statistic of the pseudonym, without its address."""
        async with self._locks.hold(DELIVERIES, key):
            delivery = await self.store.delivery(key)
            if delivery is not None:
                await self.store.move_delivery(delivery, delivery_key(delivery["fact_id"], alias, delivery["kind"]),
                                               alias)

    async def export(self, person_id: str) -> dict[str, Any]:
        return {"person_id": person_id, "service": "notifications",
                "deliveries": await self.store.deliveries_to(person_id),
                "preferences": await self.store.preferences(person_id),
                "reminders": await self.store.reminders_for(person_id),
                **await self.store.read_model_entries(person_id)}
