"""Request and response models of the enrollment API (strict: unknown fields are refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.enrollment import CompletionRule, PlannedGathering


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Fee(Strict):
    amount_nok: int = Field(default=0, ge=0)
    travel_paid_by_employer: bool = True


class ProgrammeCreate(Strict):
    code: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    network_id: Identifier
    target_group: str = Field(default="", max_length=1000)
    language: Literal["nb", "da", "en"] = "nb"
    requires_manager_approval: bool = True
    facilitates_outside_own_unit: bool = True
    relevant_education_preferred: bool = True
    fee: Fee = Fee()
    curriculum_method_ids: list[Identifier] = Field(default_factory=list, max_length=50)
    gathering_plan: list[PlannedGathering] = Field(default_factory=list, max_length=20)
    completion_rule: CompletionRule = CompletionRule()


class ProgrammePublic(ProgrammeCreate):
    id: str
    archived: bool


class CohortCreate(Strict):
    programme_id: Identifier
    term: str = Field(min_length=1, max_length=40, examples=["spring-2027"])
    location: str = Field(default="Oslo", min_length=1, max_length=120, description='A city, or "digital".')
    capacity: int = Field(ge=1, le=10000)
    time_zone: Literal["Europe/Oslo", "Europe/Copenhagen"] = "Europe/Oslo"
    applications_open_at: AwareDatetime
    applications_close_at: AwareDatetime
    starts_on: date | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> "CohortCreate":
        if self.applications_close_at <= self.applications_open_at:
            raise ValueError("applications_close_at must be after applications_open_at")
        return self


class CohortPublic(CohortCreate):
    id: str
    network_id: str
    status: str
    seats_taken: int
    seats_free: int
    waitlist_length: int


class Person(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(default=None, max_length=40)


class Participant(Person):
    role: str | None = Field(default=None, max_length=200)
    education: str | None = Field(default=None, max_length=2000)


class ApplicationCreate(Strict):
    participant: Participant
    manager: Person
    organisation_id: Identifier
    unit_id: Identifier
    motivation: str | None = Field(default=None, max_length=5000)


class ApplicationPublic(Strict):
    id: str
    cohort_id: str
    programme_id: str
    network_id: str
    organisation_id: str
    unit_id: str
    participant_id: str
    manager_id: str
    status: str
    waitlist_position: int | None = None
    submitted_at: datetime


class ApprovalDecision(Strict):
    decision: Literal["approve", "decline"]
    manager_id: Identifier
    reason: str | None = Field(default=None, max_length=1000)


class Withdrawal(Strict):
    reason: str | None = Field(default=None, max_length=1000)
