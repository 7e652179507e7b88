"""Toolbox use cases: the shared catalogue, and methods coordinators add for their network."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from samla_measures.adapters.ports import ToolboxRepository
from samla_measures.domain.ids import new_id
from samla_measures.domain.errors import NotFound
from samla_measures.domain.toolbox import CATALOGUE, MethodOrigin


class ToolboxService:
    def __init__(self, store: ToolboxRepository) -> None:
        self.store = store

    async def seed_catalogue(self) -> int:
        return await self.store.seed(CATALOGUE)

    async def add_method(self, data: dict[str, Any]) -> dict[str, Any]:
        method = {"_id": new_id(), **data, "origin": MethodOrigin.COORDINATOR.value, "created_at": datetime.now(UTC)}
        await self.store.add(method)
        return method

    async def method(self, method_id: str) -> dict[str, Any]:
        method = await self.store.get(method_id)
        if method is None:
            raise NotFound(f"no method {method_id} in the toolbox")
        return method

    async def methods(self, *, network_id: str | None, area: str | None, cost_level: str | None,
                      offset: int, limit: int) -> list[dict[str, Any]]:
        """The shared catalogue, plus the network's own methods when a network is named."""
        return await self.store.find(network_id=network_id, area=area, cost_level=cost_level,
                                     offset=offset, limit=limit)
