"""`GET /people/{person_id}/data`: the measures part of an access request (platform admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/people", tags=["personal data"])


@router.get("/{person_id}/data", summary="Everything measures holds about a person, as JSON (platform admin only)",
            description="Measures naming the person as owner, as the one who agreed in a role, or as facilitator, and "
                        "the insight contributions kept per facilitator. Measures keeps ids, never names or contact "
                        "details; enrollment's part says who the id is. An unknown or erased id gives empty lists.")
async def personal_data(person_id: str, request: Request) -> JSONResponse:
    found = await request.app.state.personal_data.export(person_id)
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})
