"""Use cases over the measures API: a measure with its parties, and a party's agreement."""

from __future__ import annotations

from typing import Any

from samla_portal.adapters.samla_api import SamlaApi
from samla_portal.domain.people import SignedIn

# Which owner role of a measure a token role signs as (party cooperation: each party for themself).
PARTY_OF_ROLE = {"organisation_leader": "leader", "union_representative": "union_representative",
                 "safety_representative": "safety_representative"}


def parties_of(person: SignedIn) -> list[str]:
    return [party for role, party in PARTY_OF_ROLE.items() if role in person.roles]


def party_to_agree(person: SignedIn, measure: dict[str, Any]) -> str | None:
    """The party this person may still agree for, if any."""
    missing = set(measure.get("missing_agreements") or [])
    return next((party for party in parties_of(person) if party in missing), None)


class Measures:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def measure(self, token: str, measure_id: str) -> dict[str, Any]:
        return await self._api.get("measures", f"/measures/{measure_id}", token)

    async def agree(self, token: str, measure_id: str, person: SignedIn, party: str) -> dict[str, Any]:
        return await self._api.post("measures", f"/measures/{measure_id}/consents", token,
                                    {"role": party, "person_id": person.person_id or person.subject})

