"""A participant's own plan, from the sessions service."""

from __future__ import annotations

from typing import Any

from samla_portal.adapters.samla_api import SamlaApi
from samla_portal.domain.people import SignedIn


class Plans:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def plan(self, token: str, person: SignedIn) -> dict[str, Any]:
        return await self._api.get("sessions", f"/participants/{person.person_id or person.subject}/plan", token)
