"""Erasure and access requests in notifications.

On ParticipantErased: the person's preferences, the reminders planned for them and their
rows in the roster and interest read models are deleted (they exist only to write to
them); each delivery to them is kept as a statistic under the pseudonym
`erased:<erasure id>`, without the address and error texts; applications and measures in
the read model name the pseudonym instead, and a manager is no longer reminded of an erased
applicant's application. Mail already sent is outside Samla. A mail that would still be due
finds no contact at enrollment (the person is gone there) and is recorded as `no_contact`.
"""

from __future__ import annotations

import logging
from typing import Any

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.adapters.delivery_log import COLLECTION as DELIVERIES
from samla_notifications.adapters.personal_data import PersonalDataStore
from samla_notifications.domain.deliveries import delivery_key
from samla_notifications.domain.reminders import approval_reminder_id

log = logging.getLogger("samla.notifications.personal_data")


def pseudonym(erasure_id: str) -> str:
    return f"erased:{erasure_id}"


class PersonalData:
    def __init__(self, store: PersonalDataStore, locks: DocumentLocks) -> None:
        self.store = store
        self._locks = locks

    async def on_erased(self, event: CloudEvent) -> None:
        data: ParticipantErased = event.data  # type: ignore[assignment]
        person_id, alias = data.participant_id, pseudonym(data.erasure_id)
        deliveries = await self.store.deliveries_to(person_id)
        for delivery in deliveries:
            async with self._locks.hold(DELIVERIES, delivery["_id"]):
                await self.store.move_delivery(delivery, delivery_key(delivery["fact_id"], alias, delivery["kind"]),
                                               alias)
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
        counts = {"deliveries": len(deliveries), "preferences": await self.store.delete_preferences(person_id),
                  "reminders": await self.store.delete_reminders(person_id),
                  "read_model": await self.store.delete_roster_and_interests(person_id)}
        log.info("erasure %s done here: %s", data.erasure_id, counts)

    async def export(self, person_id: str) -> dict[str, Any]:
        return {"person_id": person_id, "service": "notifications",
                "deliveries": await self.store.deliveries_to(person_id),
                "preferences": await self.store.preferences(person_id),
                "reminders": await self.store.reminders_for(person_id),
                **await self.store.read_model_entries(person_id)}
