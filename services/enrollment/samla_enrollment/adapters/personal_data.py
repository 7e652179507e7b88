"""Persistence of erasure and retention: the records of erasures, and the writes that remove personal data.

An erasure record is keyed by the person's id, so a second request finds the first one
(idempotence by the unique `_id`). It is written before anything is erased; the erasing
writes follow, each idempotent, and the write that marks the record completed stages the
ParticipantErased events in its outbox. So the other services hear of the erasure only
once enrollment no longer hands out the person's contact details, and an erasure
interrupted half-way is simply run again (at the next request or start).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.messaging.outbox import OUTBOX_FIELD, mark_pending, merge_updates, staged

ERASURES = "erasures"


# No indexes for these lookups by person: erasures and access requests are rare, and an index
# would be maintained on every hot write (an application rush, a roster change) to spare them a scan.


class PersonalDataStore:
    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    # -- what enrollment holds about a person -------------------------------------------------

    async def person(self, person_id: str) -> dict[str, Any] | None:
        return await self.db.people.find_one({"_id": person_id})

    async def applications_of(self, person_id: str) -> list[dict[str, Any]]:
        """Applications where the person is the applicant or the approving manager."""
        cursor = self.db.applications.find({"$or": [{"participant_id": person_id}, {"manager_id": person_id}]},
                                           {"announce": 0})
        return [doc async for doc in cursor.sort([("submitted_at", ASCENDING), ("_id", ASCENDING)])]

    async def interests_of(self, person_id: str) -> list[dict[str, Any]]:
        cursor = self.db.interests.find({"person_id": person_id}, {OUTBOX_FIELD: 0})
        return [doc async for doc in cursor.sort([("registered_at", ASCENDING), ("_id", ASCENDING)])]

    # -- erasure records ----------------------------------------------------------------------

    async def erasure(self, person_id: str) -> dict[str, Any] | None:
        return await self.db[ERASURES].find_one({"_id": person_id}, {OUTBOX_FIELD: 0})

    async def add_erasure(self, record: dict[str, Any]) -> bool:
        """Insert the record; False if the person's erasure was recorded already."""
        try:
            await self.db[ERASURES].insert_one(record)
        except DuplicateKeyError:
            return False
        return True

    async def unfinished_erasures(self) -> list[str]:
        return [doc["_id"] async for doc in self.db[ERASURES].find({"completed_at": None}, {"_id": 1})]

    async def finish_erasure(self, person_id: str, at: datetime, counts: dict[str, int],
                             events: Sequence[IntegrationEvent]) -> None:
        """Mark the erasure done here and stage its announcement, in one write. The caller holds the record's lock."""
        update = merge_updates({"$set": {"completed_at": at, "erased": counts}}, staged(*events, source=self.source))
        result = await self.db[ERASURES].update_one({"_id": person_id, "completed_at": None}, update)
        if result.modified_count == 1:
            await mark_pending(self.db[ERASURES], person_id, update)

    # -- the erasing writes (each idempotent) ---------------------------------------------------

    async def delete_person(self, person_id: str) -> int:
        return (await self.db.people.delete_one({"_id": person_id})).deleted_count

    async def delete_interests(self, person_id: str) -> int:
        return (await self.db.interests.delete_many({"person_id": person_id})).deleted_count

    async def application_history(self, application_id: str) -> list[dict[str, Any]] | None:
        found = await self.db.applications.find_one({"_id": application_id}, {"history": 1})
        return None if found is None else found.get("history", [])

    async def anonymise_application(self, application_id: str, fields: dict[str, Any],
                                    history: list[dict[str, Any]]) -> None:
        """Strip one application. The caller holds its document lock (FerretDB updates are read-modify-write)."""
        await self.db.applications.update_one({"_id": application_id}, {"$set": {**fields, "history": history}})

    # -- retention ----------------------------------------------------------------------------

    async def completed_cohorts(self) -> list[dict[str, Any]]:
        """Every completed cohort with its audit trail (they are few: a handful per programme and term)."""
        cursor = self.db.cohorts.find({"manual_status": "completed"}, {"audit": 1})
        return [doc async for doc in cursor]

    async def applications_to_anonymise(self, cohort_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Applications of these cohorts that still hold personal data."""
        if not cohort_ids:
            return []
        cursor = self.db.applications.find({"cohort_id": {"$in": list(cohort_ids)}, "anonymised_at": None},
                                           {"_id": 1, "history": 1})
        return [doc async for doc in cursor]
