"""Personal data (platform admin only): `GET /people/{person_id}/data`, the notifications part of an
access request, and `POST /retention/run`, expiring the delivery log and webhook bodies now."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from samla_notifications.entrypoints.api import Service

router = APIRouter(prefix="/people", tags=["personal data"])


@router.get("/{person_id}/data", summary="Everything notifications holds about a person, as JSON (platform admin only)",
            description="Deliveries to the person (with the address each mail went to), their preferences, reminders "
                        "planned for them, and their rows in the read models. Names are never stored here; "
                        "enrollment's part says who the id is. An unknown or erased id gives empty lists.")
async def personal_data(person_id: str, request: Request) -> JSONResponse:
    found = await request.app.state.personal_data.export(person_id)
    return JSONResponse(jsonable_encoder(found), headers={"Cache-Control": "no-store"})


class RetentionRound(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mail_records: int = Field(description="Mail-log records (with their addresses) deleted in this round.")
    webhook_bodies: int = Field(description="Webhook deliveries whose copy of the event was dropped.")
    webhook_deliveries: int = Field(description="Webhook delivery records deleted.")


retention = APIRouter(prefix="/retention", tags=["personal data"])


@retention.post("/run", response_model=RetentionRound,
                summary="Expire the delivery log and webhook bodies past their retention, now "
                        "(platform admin only; the service also does it hourly; idempotent)")
async def run_retention_now(service: Service) -> RetentionRound:
    return RetentionRound.model_validate(vars(await service.retention.run_once()))
