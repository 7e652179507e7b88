"""Interest in a programme's next cohort (issue 16): a person asks to be told when it opens, naming the region
where they would like it to run, and the programme's coordinators see the demand per region."""

from __future__ import annotations

from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi


def takes_applications(cohorts: list[dict[str, Any]]) -> bool:
    """Enrollment refuses interest while a cohort has free seats and takes applications: then one applies."""
    return any(c.get("status") == "open" and (c.get("seats_free") or 0) > 0 for c in cohorts)


class Interest:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def register(self, token: str, programme_id: str, region: str | None) -> dict[str, Any]:
        """The signed-in person's own registration (enrollment takes who from the token)."""
        return await self._api.post("enrollment", f"/programmes/{programme_id}/interest", token,
                                    {"region": region or None})

    async def regions(self, token: str, programme_id: str) -> list[dict[str, Any]] | None:
        """Registrations per region, most still waiting first; None for a coordinator outside the programme's
        network, whom enrollment does not show it."""
        try:
            rows = await self._api.get("enrollment", f"/programmes/{programme_id}/interest/regions", token)
        except ApiRefused as refused:
            if refused.status not in (403, 404):
                raise
            return None
        # Enrollment sends them in this order already; sorting here keeps the table right whatever the page.
        return sorted(rows, key=lambda r: (-r["pending"], -r["total"], r["region"] is None, r["region"] or ""))
