"""Where sessions keeps person ids, for erasure and access requests.

Sessions holds no names or contact details, only enrollment's person ids: in the roster,
in attendance records (whose and who recorded it) and in completions. Erasure replaces the
id by a pseudonym in each; a completion is keyed by (cohort, participant), so it is moved
to the pseudonym's key: inserted there first, then removed from the old key, which a
repeated erasure finishes if it was interrupted in between.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.messaging.outbox import OUTBOX_FIELD
from samla_sessions.adapters.ports import completion_id


# No indexes for these lookups by person: erasures and access requests are rare, and an index
# would be maintained on every hot write (an application rush, a roster change) to spare them a scan.


class PersonalDataStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def roster_entries(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db.roster.find({"participant_id": person_id})]

    async def sessions_with(self, person_id: str) -> list[dict[str, Any]]:
        """Sessions where the person's attendance is recorded, or the person recorded attendance."""
        query = {"$or": [{"attendance.participant_id": person_id}, {"attendance.recorded_by": person_id}]}
        cursor = self.db.sessions.find(query, {"cohort_id": 1, "kind": 1, "title": 1, "starts_at": 1, "attendance": 1})
        return [doc async for doc in cursor.sort("starts_at", ASCENDING)]

    async def completions_of(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db.completions.find({"participant_id": person_id}, {OUTBOX_FIELD: 0})]

    async def rename_roster_entry(self, entry_id: str, person_id: str, pseudonym: str) -> None:
        """The caller holds the entry's document lock."""
        await self.db.roster.update_one({"_id": entry_id, "participant_id": person_id},
                                        {"$set": {"participant_id": pseudonym, "erased": True}})

    async def move_completion(self, cohort_id: str, person_id: str, pseudonym: str) -> bool:
        """Re-key a completion to the pseudonym (pending events travel with it). The caller holds both keys' locks."""
        old = await self.db.completions.find_one({"_id": completion_id(cohort_id, person_id)})
        if old is None:
            return False
        try:
            await self.db.completions.insert_one(old | {"_id": completion_id(cohort_id, pseudonym),
                                                        "participant_id": pseudonym, "erased": True})
        except DuplicateKeyError:
            pass  # an interrupted erasure inserted it already
        await self.db.completions.delete_one({"_id": old["_id"]})
        return True
