"""Secret calendar-feed links: only a hash of each secret is stored, looked up by `_id`.

Two small collections: `calendar_feeds` (by the secret's SHA-256: whose feed it is) and
`calendar_feed_owners` (by owner: the hash of the one link that is valid now). A link
counts only while its owner still points at it, so issuing a new link revokes the old
one in the same write that records the new one, even if the clean-up after it never
runs. A stolen database yields no usable link: the secrets themselves are never kept.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class CalendarFeedStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def replace(self, owner: str, secret: str, subject: dict[str, Any], issued_at: datetime, *,
                      person_id: str | None) -> None:
        """Record `secret` as the owner's one valid link; the previous link stops working. Caller holds the lock."""
        new = digest(secret)
        previous = await self.db.calendar_feed_owners.find_one({"_id": owner})
        await self.db.calendar_feeds.insert_one({"_id": new, "owner": owner, **subject, "issued_at": issued_at})
        await self.db.calendar_feed_owners.replace_one(
            {"_id": owner}, {"feed": new, "issued_at": issued_at, "person_id": person_id, **subject}, upsert=True)
        if previous is not None:
            await self.db.calendar_feeds.delete_one({"_id": previous["feed"]})

    async def resolve(self, secret: str) -> dict[str, Any] | None:
        """Whose feed the secret opens, or None if it was never issued or has been replaced."""
        feed = await self.db.calendar_feeds.find_one({"_id": digest(secret)})
        if feed is None:
            return None
        owner = await self.db.calendar_feed_owners.find_one({"_id": feed["owner"]})
        return feed if owner is not None and owner["feed"] == feed["_id"] else None

    # -- personal data: the links a person holds (a small collection, scanned only for these) ---

    async def of_person(self, person_id: str) -> list[dict[str, Any]]:
        return [doc async for doc in self.db.calendar_feed_owners.find({"person_id": person_id}, {"feed": 0})]

    async def revoke_all_of(self, person_id: str) -> int:
        """Erasure: every link the person holds stops working and is forgotten."""
        owners = [doc async for doc in self.db.calendar_feed_owners.find({"person_id": person_id})]
        for owner in owners:
            await self.db.calendar_feed_owners.delete_one({"_id": owner["_id"]})
            await self.db.calendar_feeds.delete_one({"_id": owner["feed"]})
        return len(owners)
