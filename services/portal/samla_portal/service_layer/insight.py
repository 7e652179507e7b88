"""Use cases over the measures API's read models: a network's insight and the national overview."""

from __future__ import annotations

from typing import Any

from samla_portal.adapters.samla_api import SamlaApi


class Insight:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def network(self, token: str, network_id: str) -> dict[str, Any]:
        return await self._api.get("measures", f"/networks/{network_id}/insight", token)

    async def national(self, token: str, region: str | None) -> dict[str, Any]:
        overview = await self._api.get("measures", "/national/overview", token, region=region or None)
        # One table per region reads better than one long list: the programmes and areas grouped by region.
        by_region: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for key in ("programmes", "measures_by_area"):
            for row in overview[key]:
                by_region.setdefault(row["region"], {"programmes": [], "measures_by_area": []})[key].append(row)
        return {**overview, "by_region": by_region}
