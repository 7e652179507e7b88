"""Personal data (platform admin only): `GET /people/{person_id}/data`, the notifications part of an
access request, and `POST /retention/run`, expiring the delivery log and webhook bodies now."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from samla_shared.http.personal_data import personal_data_router
from samla_shared.strict import StrictModel
from samla_notifications.entrypoints.api import Service

# The platform's one personal-data route (samla_shared.http.personal_data).
router = personal_data_router(
    "notifications",
    description="Deliveries to the person (with the address each mail went to), their preferences, reminders "
                "planned for them, and their rows in the read models. Names are never stored here; "
                "enrollment's part says who the id is. An unknown or erased id gives empty lists.")


class RetentionRound(StrictModel):
    mail_records: int = Field(description="Mail-log records (with their addresses) deleted in this round.")
    webhook_bodies: int = Field(description="Webhook deliveries whose copy of the event was dropped.")
    webhook_deliveries: int = Field(description="Webhook delivery records deleted.")


retention = APIRouter(prefix="/retention", tags=["personal data"])


@retention.post("/run", response_model=RetentionRound,
                summary="Expire the delivery log and webhook bodies past their retention, now "
                        "(platform admin only; the service also does it hourly; idempotent)")
async def run_retention_now(service: Service) -> RetentionRound:
    return RetentionRound.model_validate(vars(await service.retention.run_once()))
