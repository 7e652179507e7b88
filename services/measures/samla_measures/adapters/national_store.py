"""MongoDB persistence of the national view: the latest state of each region's aggregates.

One document per region and aggregate (programme, cohort, seat, completion, measure, unit series), with
the `_id` `<region>:<aggregate id>`. Each holds the state the latest applied event gave it
and that event's offset on its replicated topic. Each collection is fed by one topic, and a
document's events share a key, so they sit on one partition (MirrorMaker 2 keeps the
partition of every record): its offsets only grow. A record whose offset is not above the
stored one was applied already (a redelivery) and changes nothing.

Counts are never incremented: they are computed from these documents when asked, so a
record MirrorMaker 2 copied twice after an outage cannot be counted twice either.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from samla_measures.adapters.ports import National


async def ensure_national_indexes(db: AsyncDatabase) -> None:
    for name in National.ALL:
        await db[name].create_index([("region", ASCENDING)])


class NationalStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def apply(self, collection: str, document_id: str, *, offset: int, state: dict[str, Any]) -> bool:
        """Store `state` (merged over what is there) unless an event at or after `offset` was applied.

        The partition's consumer is the only writer of the document (the caller also holds
        its lock), so reading, comparing and writing by bare `_id` is safe and stays cheap
        on FerretDB (see WriteGuard).
        """
        current = await self.db[collection].find_one({"_id": document_id})
        if current is not None and current["offset"] >= offset:
            return False
        merged = {**(current or {}), **state, "offset": offset}
        merged.pop("_id", None)
        await self.db[collection].replace_one({"_id": document_id}, merged, upsert=True)
        return True

    async def all(self, collection: str, region: str | None = None) -> list[dict[str, Any]]:
        query = {"region": region} if region else {}
        return [doc async for doc in self.db[collection].find(query, {"offset": 0})]
