"""`GET /people/{person_id}/data`: the measures part of an access request (platform admin only),
served by the platform's one personal-data route (samla_shared.http.personal_data)."""

from __future__ import annotations

from samla_shared.http.personal_data import personal_data_router

router = personal_data_router(
    "measures",
    description="Measures naming the person as owner, as the one who agreed in a role, or as facilitator, and "
                "the insight contributions kept per facilitator. Measures keeps ids, never names or contact "
                "details; enrollment's part says who the id is. An unknown or erased id gives empty lists.")
