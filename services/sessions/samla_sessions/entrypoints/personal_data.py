"""`GET /people/{person_id}/data`: the sessions part of an access request (platform admin only),
served by the platform's one personal-data route (samla_shared.http.personal_data)."""

from __future__ import annotations

from samla_shared.http.personal_data import personal_data_router

router = personal_data_router(
    "sessions",
    description="Roster entries, attendance (the person's own and what they recorded) and completions. "
                "Sessions keeps ids, never names or contact details; enrollment's part says who the id is. "
                "An unknown or erased id gives empty lists.")
