"""Each network's copy of its units' series, per kind: the documents the network trend is read from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.persistence.lease import Lease
from samla_measures.adapters.ports import TRENDS

# A trend document is written under a lease held for one write: the instances of a deployment share the
# consumer group, so two units' events of one network and kind may arrive at two instances at once.
TREND_LEASE_SECONDS = 10.0


class TrendStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db
        self.trends = db[TRENDS]
        self._leases: dict[str, Lease] = {}  # one per trend document, so each knows the newest term by `_id`

    async def unit_version(self, trend_id: str, unit_id: str) -> int:
        """The series version of the unit the trend holds (0 if none)."""
        trend = await self.trends.find_one({"_id": trend_id}, {f"units.{unit_id}.version": 1}) or {}
        return trend.get("units", {}).get(unit_id, {}).get("version", 0)

    async def put_unit(self, trend_id: str, unit_id: str, *, version: int, organisation_id: str,
                       readings: dict[str, float], network_id: str, kind: str) -> None:
        await self.trends.update_one({"_id": trend_id}, {"$set": {
            f"units.{unit_id}": {"version": version, "organisation_id": organisation_id, "readings": readings},
            "network_id": network_id, "kind": kind, "updated_at": datetime.now(UTC)}}, upsert=True)

    async def many(self, trend_ids: list[str]) -> dict[str, dict[str, Any]]:
        return {d["_id"]: d async for d in self.trends.find({"_id": {"$in": trend_ids}})}

    def lease(self, trend_id: str) -> Lease:
        # A lease name may not hold ':'; '/' never occurs in an id, so the mapping keeps documents apart.
        return self._leases.setdefault(trend_id, Lease(self._db, f"trend/{trend_id.replace(':', '/')}",
                                                       seconds=TREND_LEASE_SECONDS))
