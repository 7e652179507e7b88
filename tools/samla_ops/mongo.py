"""MongoDB look-ups and writes of the ops tool: outbox backlog (read-only) and projection drops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from samla_ops.config import Projection, ServiceData

PENDING_FIELD = "outbox_pending"
OUTBOX_FIELD = "outbox"


@dataclass
class Backlog:
    service: str
    collection: str
    documents: int  # documents with pending events
    events: int  # pending events in them
    oldest: datetime | None

    @property
    def oldest_age_seconds(self) -> float:
        return 0.0 if self.oldest is None else max((datetime.now(UTC) - self.oldest).total_seconds(), 0.0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def outbox_backlog(mongo_url: str, services: list[ServiceData], *, database_suffix: str = "") -> list[Backlog]:
    """Pending outbox entries per service and collection. Reads only; changes nothing."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    rows = []
    try:
        for service in services:
            db = client[service.database + database_suffix]
            for name in service.outbox_collections:
                documents = events = 0
                oldest: datetime | None = None
                cursor = db[name].find({PENDING_FIELD: {"$gt": 0}}, {OUTBOX_FIELD: 1})
                async for doc in cursor:
                    documents += 1
                    for entry in (doc.get(OUTBOX_FIELD) or {}).values():
                        events += entry.get("count", 1)  # a packed entry holds `count` events
                        staged = entry.get("time")
                        if isinstance(staged, datetime):
                            staged = _aware(staged)
                            oldest = staged if oldest is None or staged < oldest else oldest
                rows.append(Backlog(service.name, name, documents, events, oldest))
    finally:
        await client.close()
    return rows


async def drop_projection(mongo_url: str, database: str, projection: Projection) -> dict[str, int]:
    """Drop the projection's collections; returns how many documents each held."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    try:
        db = client[database]
        counts = {}
        existing = set(await db.list_collection_names())
        for name in projection.collections:
            if name in existing:
                counts[name] = await db[name].count_documents({})
                await db.drop_collection(name)
            else:
                counts[name] = 0
        return counts
    finally:
        await client.close()
