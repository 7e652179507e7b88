"""Recipient preferences: the language to write in, categories turned off, an optional address."""

from __future__ import annotations

from typing import Any

from samla_shared.clock import Clock
from samla_notifications.adapters.ports import PreferenceRepository
from samla_notifications.domain.errors import RuleViolation
from samla_notifications.domain.kinds import MANDATORY, Category


class PreferenceService:
    def __init__(self, store: PreferenceRepository, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def get(self, person_id: str) -> dict[str, Any]:
        """A person without stored preferences has the defaults: no language chosen, nothing off."""
        return await self._store.get(person_id) or {"_id": person_id, "language": None, "opted_out": [],
                                                    "email": None, "updated_at": None}

    async def put(self, person_id: str, *, language: str | None, opted_out: list[Category],
                  email: str | None) -> dict[str, Any]:
        mandatory = sorted(c.value for c in set(opted_out) & MANDATORY)
        if mandatory:
            raise RuleViolation(f"mandatory service messages cannot be turned off: {', '.join(mandatory)}")
        return await self._store.put(person_id, {
            "language": language, "opted_out": sorted({c.value for c in opted_out}),
            "email": email,
        }, self._clock())
