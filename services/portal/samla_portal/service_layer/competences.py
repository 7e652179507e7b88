"""Use cases over measures' competences per staff type: an organisation's staff types and the competences
each requires, who is in which, and the coverage and gaps per staff type."""

from __future__ import annotations

import re
from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.people import SignedIn
from samla_portal.service_layer.unit_input import place_of


def slug_of(typed: str) -> str:
    """An id as measures keeps them (lower case, digits and hyphens), from what a leader types: "Helsefagarbeider"
    becomes "helsefagarbeider". Letters outside a-z (æ, ø, å) become their nearest plain spelling."""
    plain = typed.strip().lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e", "ä": "a", "ö": "o"}))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def competences_of(typed: str) -> list[str]:
    """Competences as typed, one per line or separated by commas, as slugs."""
    return [s for s in (slug_of(part) for line in typed.splitlines() for part in line.split(",")) if s]


class Competences:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def coverage(self, token: str, organisation_id: str) -> dict[str, Any] | None:
        """The coverage per staff type, or None while the organisation has no staff types (measures' 404)."""
        try:
            return await self._api.get("measures", f"/organisations/{organisation_id}/competence-coverage", token)
        except ApiRefused as refused:
            if refused.status != 404:
                raise
            return None

    async def define(self, token: str, person: SignedIn, organisation_id: str, form: dict[str, str]) -> dict[str, Any]:
        staff_type = slug_of(form.get("staff_type_id") or form["name"])
        return await self._api.put("measures", f"/organisations/{organisation_id}/staff-types/{staff_type}", token, {
            "network_id": place_of(person)["network_id"], "name": form["name"],
            "competence_ids": competences_of(form.get("competence_ids", ""))})

    async def assign(self, token: str, person: SignedIn, organisation_id: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._api.put("measures", f"/organisations/{organisation_id}/staff/{form['person_id']}", token, {
            "network_id": place_of(person)["network_id"], "staff_type_id": form.get("staff_type_id") or None})
