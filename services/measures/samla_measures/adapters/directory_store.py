"""MongoDB persistence of the directory read model: names and places of networks, organisations and units.

One small document per entry, `_id` `<kind>:<id>` (kind network, organisation or unit),
holding the entry's latest state as enrollment published it. Each directory event carries
the whole current state of its entry, so storing it is a replace: a redelivery writes the
same document again. The collection holds a region's directory (hundreds of entries), so
the `$in` lookups of a page's ids scan little.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from samla_measures.adapters.ports import directory_key

DIRECTORY = "directory"
Kind = Literal["network", "organisation", "unit"]


async def ensure_directory_indexes(db: AsyncDatabase) -> None:
    # The network insight names every organisation (`entry: organisation`); MongoDB serves that from this
    # index, FerretDB v1 scans the collection (as it does for any filter but a bare `_id`).
    await db[DIRECTORY].create_index([("entry", ASCENDING)])


class DirectoryStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.entries = db[DIRECTORY]

    async def put(self, kind: Kind, entry_id: str, state: dict[str, Any]) -> None:
        # `entry` is which of the three it is; `kind` stays the entry's own kind (municipality, ward, ...).
        await self.entries.replace_one({"_id": directory_key(kind, entry_id)}, {**state, "entry": kind, "id": entry_id},
                                       upsert=True)

    async def get(self, kind: Kind, entry_id: str) -> dict[str, Any] | None:
        return await self.entries.find_one({"_id": directory_key(kind, entry_id)})

    async def networks_and_organisations(self, network_id: str) -> list[dict[str, Any]]:
        """The network's entry and every organisation's (names, no units): what a network-wide page names.

        Every organisation of the region, not only the network's, so a page that lists organisations by
        what its counters hold finds a name even for one the directory has placed in another network since.
        """
        cursor = self.entries.find({"$or": [{"_id": directory_key("network", network_id)}, {"entry": "organisation"}]},
                                   {"name": 1, "entry": 1, "id": 1})
        return [doc async for doc in cursor]

    async def many(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The known entries among `keys` (`<kind>:<id>`), by key."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {doc["_id"]: doc async for doc in self.entries.find({"_id": {"$in": wanted}})}
