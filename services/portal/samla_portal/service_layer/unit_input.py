"""Use cases over a unit's staff input in measures: the items staff send (signed in or through the unit's
secret link), the parties' priorities, an item proposed as a measure, and the workshop groups' dialogue results."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.people import LEADER_ROLES, SignedIn

# Who ranks or sets aside an item: the unit's three parties (measures' PARTIES rule).
RANKS_ITEMS = {"organisation_leader", "union_representative", "safety_representative"}
# Who makes the link and proposes an item as a measure (measures' UNIT_WORK).
RUNS_UNIT = {"organisation_leader", "network_coordinator", "platform_admin"}
# Who reads the unit's list (UNIT_WORK and the representatives).
READS_UNIT = RUNS_UNIT | RANKS_ITEMS


@dataclass(frozen=True)
class UnitInputPage:
    unit_id: str
    items: list[dict[str, Any]]
    results: list[dict[str, Any]]


def place_of(person: SignedIn) -> dict[str, str]:
    """The network and organisation a unit's records are filed under: the person's own, from the token."""
    return {"network_id": person.networks[0] if person.networks else "",
            "organisation_id": person.organisations[0] if person.organisations else ""}


def keywords_of(typed: str) -> list[str]:
    """Key words as a group writes them: one per line or separated by commas."""
    return [word.strip() for line in typed.splitlines() for word in line.split(",") if word.strip()]


class UnitInput:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def _listed(self, path: str, token: str, **params: Any) -> list[dict[str, Any]]:
        # A unit nobody has sent anything for yet has no record: measures answers 404, the page shows none.
        try:
            return await self._api.get("measures", path, token, limit=200, **params)
        except ApiRefused as refused:
            if refused.status != 404:
                raise
            return []

    async def page(self, token: str, unit_id: str, session_id: str | None = None) -> UnitInputPage:
        items, results = await asyncio.gather(
            self._listed(f"/units/{unit_id}/items", token),
            self._listed(f"/units/{unit_id}/dialogue-results", token, session_id=session_id or None))
        return UnitInputPage(unit_id, items, results)

    async def new_link(self, token: str, person: SignedIn, unit_id: str) -> dict[str, Any]:
        return await self._api.post("measures", f"/units/{unit_id}/input-link", token, place_of(person))

    async def add_item(self, token: str, person: SignedIn, unit_id: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._api.post("measures", f"/units/{unit_id}/items", token, {
            **place_of(person), "text": form["text"], "area": form["area"], "kind": form.get("kind") or "idea"})

    async def send_anonymously(self, link_token: str, form: dict[str, str], forwarded_for: str) -> dict[str, Any]:
        """Through the unit's link without signing in: no bearer token goes with it. The browser's address goes
        on in X-Forwarded-For, so measures (trusting the portal as a proxy) limits each person, not the portal."""
        return await self._api.post("measures", f"/input/{link_token}", None, {
            "text": form["text"], "area": form["area"], "kind": form.get("kind") or "idea"}, forwarded_for=forwarded_for)

    async def prioritise(self, token: str, unit_id: str, item_id: str, rank: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"rank": rank} if rank is not None else {"set_aside": True}
        return await self._api.put("measures", f"/units/{unit_id}/items/{item_id}/priority", token, body)

    async def propose(self, token: str, person: SignedIn, unit_id: str, item_id: str,
                      form: dict[str, str]) -> dict[str, Any]:
        """The item becomes a proposed measure; measures keeps the link to the item (and its workshop group).
        A leader owns it as the leader, as when proposing from the toolbox."""
        body: dict[str, Any] = {"title": form["title"], "goal": form["goal"]}
        if person.is_a(LEADER_ROLES):
            body["owners"] = [{"role": "leader", "person_id": person.person_id or person.subject}]
        return await self._api.post("measures", f"/units/{unit_id}/items/{item_id}/measure", token, body)

    async def record_result(self, token: str, person: SignedIn, unit_id: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._api.post("measures", f"/units/{unit_id}/dialogue-results", token, {
            **place_of(person), "session_id": form["session_id"], "group": form["group"],
            "keywords": keywords_of(form["keywords"]), "why": form["why"], "next_step": form["next_step"],
            "area": form["area"]})
