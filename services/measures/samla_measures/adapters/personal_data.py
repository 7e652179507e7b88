"""Where measures keeps person ids, for erasure and access requests.

Measures holds no names or contact details: a measure names its owners (leader, union
and safety representative), the people who agreed, its facilitator and everyone who changed it
(`actors`, the audit fields) by enrollment's person id, and the insight counters are kept per facilitator id.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract.measures import OwnerRole
from samla_shared.messaging.outbox import OUTBOX_FIELD
from samla_measures.adapters.ports import CONTRIBUTORS, MEASURES


def naming(person_id: str) -> dict[str, Any]:
    """A query for measures that name the person in any role."""
    return {"$or": [{"facilitator_id": person_id}, {"actors": person_id},
                    *({f"owners.{role.value}": person_id} for role in OwnerRole),
                    *({f"consents.{role.value}.person_id": person_id} for role in OwnerRole)]}


class PersonalDataStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def measure_ids_naming(self, person_id: str) -> list[str]:
        return [doc["_id"] async for doc in self.db[MEASURES].find(naming(person_id), {"_id": 1})]

    async def measures_naming(self, person_id: str) -> list[dict[str, Any]]:
        cursor = self.db[MEASURES].find(naming(person_id), {OUTBOX_FIELD: 0, "follow_ups": 0, "indicators": 0})
        return [doc async for doc in cursor]

    async def insight_contributions(self, person_id: str) -> list[dict[str, Any]]:
        cursor = self.db[CONTRIBUTORS].find({"view.participant_id": person_id}, {"view": 1, "updated_at": 1})
        return [doc async for doc in cursor]
