"""Request and response models of the notifications API (strict: unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field, field_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.registry import EVENT_TYPES
from samla_shared.strict import StrictModel
from samla_notifications.domain.kinds import Category
from samla_notifications.settings import Language


# Request bodies refuse unknown fields: the platform's one strict base.
Strict = StrictModel


# -- delivery log ---------------------------------------------------------------------------

class Attempt(BaseModel):
    at: datetime
    outcome: str
    error: str | None = None


class NotificationPublic(BaseModel):
    id: str = Field(description="The delivery key: fact, recipient and kind.")
    channel: str
    kind: str
    category: str
    status: str
    recipient_id: str
    email: str | None = None
    language: str | None = None
    event_id: str
    event_type: str
    fact_id: str
    network_id: str
    attempts: list[Attempt]
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None = None


class ReminderPublic(BaseModel):
    id: str
    kind: str
    status: str
    recipient_id: str
    fire_at: datetime
    session_id: str | None = None
    cohort_id: str | None = None
    measure_id: str | None = None
    application_id: str | None = None
    days_before: int | None = None
    due_on: str | None = None


# -- preferences ----------------------------------------------------------------------------

class PreferencesUpdate(Strict):
    language: Language | None = Field(default=None, description="nb, da or en; empty to follow the network.")
    opted_out: list[Category] = Field(default_factory=list, max_length=len(Category),
                                      description="Categories turned off. The mandatory 'service' category cannot be.")
    email: EmailStr | None = Field(default=None, description="Send here instead of the address enrollment has.")


class PreferencesPublic(BaseModel):
    person_id: str
    language: Language | None
    opted_out: list[Category]
    email: str | None
    updated_at: datetime | None
    mandatory_categories: list[Category]


# -- webhooks -------------------------------------------------------------------------------

class SubscriptionCreate(Strict):
    url: str = Field(min_length=1, max_length=2000, examples=["https://hr.example.org/samla-events"])
    event_types: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES), examples=[["ParticipantEnrolled"]])
    network_id: Identifier
    description: str | None = Field(default=None, max_length=500)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - EVENT_TYPES.keys())
        if unknown:
            raise ValueError(f"unknown event types: {', '.join(unknown)}; known: {', '.join(sorted(EVENT_TYPES))}")
        return value


class SubscriptionPublic(BaseModel):
    id: str
    url: str
    event_types: list[str]
    network_id: str
    description: str | None
    status: str
    status_reason: str | None
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime
    paused_at: datetime | None = None
    disabled_at: datetime | None = None
    last_success_at: datetime | None = None


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="The signing secret. Shown only in this response: store it now.")


class WebhookAttempt(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


class WebhookDeliveryPublic(BaseModel):
    id: str = Field(description="The event id; also the webhook-id header of every attempt.")
    subscription_id: str
    event_type: str
    status: str
    attempts_made: int
    attempts: list[WebhookAttempt]
    next_attempt_at: datetime | None
    expires_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None


def public(model: type[BaseModel], document: dict[str, Any], **extra: Any) -> Any:
    fields = {k: v for k, v in document.items() if k in model.model_fields}
    return model(**fields, **extra)
