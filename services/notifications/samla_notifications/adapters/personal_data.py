"""Where notifications keeps anything about a person, for erasure and access requests.

Notifications copies no names: it asks enrollment for a contact at the moment it writes
and forgets it after. What it does keep about a person: the address each mail went to
(delivery log), the person's own preferences (language, opt-outs, an address of their
choosing), reminders planned for them, and ids in its read models (rosters, interest
registrations, applications, the people who follow up a measure).
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_notifications.adapters.delivery_log import COLLECTION as DELIVERIES
from samla_notifications.adapters.preference_store import COLLECTION as PREFERENCES
from samla_notifications.adapters.reminder_store import COLLECTION as REMINDERS


# Who was erased, by id, with the pseudonym that stands for them: a mail being prepared while
# the erasure ran looks here once it has claimed its delivery (see service_layer.personal_data).
ERASED = "erased_people"

# No indexes for these lookups by person: erasures and access requests are rare, and an index
# would be maintained on every hot write (an application rush, a roster change) to spare them a scan.


class PersonalDataStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------------

    async def deliveries_to(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db[DELIVERIES].find({"recipient_id": person_id}).sort("created_at", ASCENDING)]

    async def preferences(self, person_id: str) -> dict[str, Any] | None:
        return await self.db[PREFERENCES].find_one({"_id": person_id})

    async def reminders_for(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db[REMINDERS].find({"recipient_id": person_id})]

    async def read_model_entries(self, person_id: str) -> dict[str, list[dict[str, Any]]]:
        queries = {"roster": {"participant_id": person_id}, "interests": {"person_id": person_id},
                   "applications": {"$or": [{"participant_id": person_id}, {"manager_id": person_id}]},
                   "measures": {"people": person_id}}
        return {name: [doc async for doc in self.db[name].find(query)] for name, query in queries.items()}

    async def delivery(self, key: str) -> dict[str, Any] | None:
        return await self.db[DELIVERIES].find_one({"_id": key})

    async def alias_of(self, person_id: str) -> str | None:
        found = await self.db[ERASED].find_one({"_id": person_id})
        return found["alias"] if found else None

    # -- erasing (each write idempotent) --------------------------------------------------------

    async def mark_erased(self, person_id: str, alias: str) -> None:
        await self.db[ERASED].update_one({"_id": person_id}, {"$setOnInsert": {"alias": alias}}, upsert=True)

    async def move_delivery(self, old: dict[str, Any], new_key: str, alias: str) -> None:
        """Keep the delivery's outcome under the alias, without the address or error texts (they may quote it).

        The caller holds the old key's document lock.
        """
        kept = {k: v for k, v in old.items() if k not in ("_id", "email", "attempts")}
        attempts = [{k: v for k, v in a.items() if k != "error"} for a in old.get("attempts", [])]
        try:
            await self.db[DELIVERIES].insert_one(kept | {"_id": new_key, "recipient_id": alias, "email": None,
                                                         "attempts": attempts, "erased": True})
        except DuplicateKeyError:
            pass  # an interrupted erasure moved it already
        await self.db[DELIVERIES].delete_one({"_id": old["_id"]})

    async def delete_preferences(self, person_id: str) -> int:
        return (await self.db[PREFERENCES].delete_one({"_id": person_id})).deleted_count

    async def delete_reminders(self, person_id: str) -> int:
        return (await self.db[REMINDERS].delete_many({"recipient_id": person_id})).deleted_count

    async def delete_reminder(self, reminder_id: str) -> int:
        return (await self.db[REMINDERS].delete_one({"_id": reminder_id})).deleted_count

    async def delete_roster_and_interests(self, person_id: str) -> int:
        roster = await self.db.roster.delete_many({"participant_id": person_id})
        interests = await self.db.interests.delete_many({"person_id": person_id})
        return roster.deleted_count + interests.deleted_count

    async def applications_naming(self, person_id: str) -> list[dict[str, Any]]:
        query = {"$or": [{"participant_id": person_id}, {"manager_id": person_id}]}
        return [doc async for doc in self.db.applications.find(query)]

    async def measures_naming(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db.measures.find({"people": person_id})]

    async def set_fields(self, collection: str, document_id: str, fields: dict[str, Any]) -> None:
        """The caller holds the document's lock."""
        await self.db[collection].update_one({"_id": document_id}, {"$set": fields})
