"""`GET /people/{person_id}/data`: the notifications part of an access request (platform admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/people", tags=["personal data"])


@router.get("/{person_id}/data", summary="Everything notifications holds about a person, as JSON (platform admin only)",
            description="Deliveries to the person (with the address each mail went to), their preferences, reminders "
                        "planned for them, and their rows in the read models. Names are never stored here; "
                        "enrollment's part says who the id is. An unknown or erased id gives empty lists.")
async def personal_data(person_id: str, request: Request) -> JSONResponse:
    found = await request.app.state.personal_data.export(person_id)
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})
