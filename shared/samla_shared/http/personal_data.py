"""`GET /people/{person_id}/data`: a service's part of an access request (platform admin only).

Sessions, measures and notifications each serve the part they hold at the same path, from the
personal-data use case the service keeps in `app.state.personal_data` (anything with an async
`export(person_id)` giving JSON-able data); the access table of the service decides who may
call it. Enrollment's part is its own route: it answers 404 for a person it never knew, and
serves the erasure beside it.
"""

from __future__ import annotations

from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse


class PersonalDataExport(Protocol):
    async def export(self, person_id: str) -> Any: ...


def personal_data_router(service: str, *, description: str) -> APIRouter:
    """The `/people/{person_id}/data` route of `service`; `description` says what it holds."""
    router = APIRouter(prefix="/people", tags=["personal data"])

    @router.get("/{person_id}/data",
                summary=f"Everything {service} holds about a person, as JSON (platform admin only)",
                description=description)
    async def personal_data(person_id: str, request: Request) -> JSONResponse:
        exporter: PersonalDataExport = request.app.state.personal_data
        found = await exporter.export(person_id)
        # Personal data: never kept by caches or proxies on the way.
        return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})

    return router
