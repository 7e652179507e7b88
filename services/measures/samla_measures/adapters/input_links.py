"""Units' secret input links, one document per link (`_id` the token's hash, never the token)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

INPUT_LINKS = "input_links"


class InputLinkStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.links = db[INPUT_LINKS]

    async def add(self, link_hash: str, unit_id: str, created_at: datetime) -> None:
        await self.links.insert_one({"_id": link_hash, "unit_id": unit_id, "created_at": created_at})

    async def unit_of(self, link_hash: str) -> str | None:
        link = await self.links.find_one({"_id": link_hash})
        return link["unit_id"] if link else None

    async def remove(self, link_hash: str) -> None:
        await self.links.delete_one({"_id": link_hash})
