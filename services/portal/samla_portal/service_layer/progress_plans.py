"""Use cases over measures' progress plans: an organisation's goal on one of its units' series, with
milestones, its progress, and the measures put under it."""

from __future__ import annotations

from typing import Any

from samla_portal.adapters.samla_api import SamlaApi
from samla_portal.domain.people import SignedIn
from samla_portal.service_layer.measures import decimal
from samla_portal.service_layer.unit_input import place_of

MILESTONE_ROWS = 4  # empty rows on the form; a plan may hold more through the API


def milestones_of(form: dict[str, str]) -> list[dict[str, Any]]:
    """The filled milestone rows of the form, in the order typed (measures checks their order)."""
    rows = ((form.get(f"milestone-{n}-date"), form.get(f"milestone-{n}-value")) for n in range(1, MILESTONE_ROWS + 1))
    return [{"due_on": on or None, "value": decimal(value) or None} for on, value in rows if on or value]


class ProgressPlans:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def listed(self, token: str, person: SignedIn) -> list[dict[str, Any]]:
        return await self._api.get("measures", "/plans", token, limit=200)

    async def plan(self, token: str, plan_id: str) -> dict[str, Any]:
        return await self._api.get("measures", f"/plans/{plan_id}", token)

    async def create(self, token: str, person: SignedIn, form: dict[str, str], unit_ids: list[str]) -> dict[str, Any]:
        return await self._api.post("measures", "/plans", token, {
            **place_of(person), "title": form["title"], "kind": form["kind"], "unit_ids": unit_ids,
            "start_value": decimal(form["start_value"]), "target_value": decimal(form["target_value"]),
            "target_date": form["target_date"], "milestones": milestones_of(form)})

    async def measures_to_add(self, token: str, plan: dict[str, Any]) -> list[dict[str, Any]]:
        """The organisation's open measures not yet under the plan."""
        found = await self._api.get("measures", "/measures", token, organisation_id=plan["organisation_id"], limit=200)
        under = {m["id"] for m in plan["measures"]}
        return [m for m in found if m["id"] not in under and m["status"] not in ("evaluated", "discontinued")]

    async def add_measure(self, token: str, plan_id: str, measure_id: str) -> dict[str, Any]:
        return await self._api.post("measures", f"/plans/{plan_id}/measures", token, {"measure_id": measure_id})
