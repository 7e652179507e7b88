"""Events of the measures context, on `samla.measures.v1`, keyed by measure id."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from samla_shared.contract.base import ContractModel, Identifier, IntegrationEvent
from samla_shared.contract.topics import MEASURES_TOPIC


class MeasureArea(StrEnum):
    SICK_LEAVE_FOLLOW_UP = "sick_leave_follow_up"
    LEADERSHIP_AND_PARTY_COOPERATION = "leadership_and_party_cooperation"
    PREVENTIVE_WORK_ENVIRONMENT = "preventive_work_environment"
    FULL_TIME_CULTURE = "full_time_culture"
    COMPETENCE_DEVELOPMENT = "competence_development"
    CULTURE_AND_VALUES = "culture_and_values"


class OwnerRole(StrEnum):
    """The three parties who own a measure together (party cooperation, partssamarbeid)."""

    LEADER = "leader"
    UNION_REPRESENTATIVE = "union_representative"  # tillitsvalgt
    SAFETY_REPRESENTATIVE = "safety_representative"  # verneombud


class MeasureOwner(ContractModel):
    role: OwnerRole
    person_id: Identifier


class IndicatorKind(StrEnum):
    """What an indicator measures; the three percentages are bounded to 0-100."""

    SICK_LEAVE_PERCENT = "sick_leave_percent"
    FULL_TIME_SHARE_PERCENT = "full_time_share_percent"
    TURNOVER_PERCENT = "turnover_percent"
    SURVEY_SCORE = "survey_score"
    CUSTOM = "custom"


# Which way an indicator should move: sick leave and turnover "down", full-time share "up".
BetterDirection = Literal["up", "down"]


class IndicatorReading(ContractModel):
    indicator_id: Identifier
    value: float


class IndicatorChange(ContractModel):
    indicator_id: Identifier
    baseline: float
    latest: float
    change: float


class IndicatorDefinition(ContractModel):
    """What an indicator of a measure is: enough to tell whether a reading is an improvement."""

    indicator_id: Identifier
    kind: IndicatorKind
    unit: str = Field(max_length=20)
    baseline: float
    better: BetterDirection


class _MeasureEvent(IntegrationEvent):
    topic: ClassVar[str] = MEASURES_TOPIC
    key_field: ClassVar[str] = "measure_id"

    measure_id: Identifier
    organisation_id: Identifier
    unit_ids: list[Identifier] = Field(min_length=1)
    area: MeasureArea


class MeasureProposed(_MeasureEvent):
    """A unit proposed to adopt a method as a measure."""

    method_id: Identifier | None = None
    programme_id: Identifier | None = None
    cohort_id: Identifier | None = None
    facilitator_id: Identifier | None = None
    owners: list[MeasureOwner] = Field(default=[], description="Owners named so far, by role and person id.")
    # Optional additions: where the measure came from (a staff input item, a workshop's dialogue group).
    source_item_id: Identifier | None = Field(default=None, description="The unit's input item it was made from.")
    session_id: Identifier | None = Field(default=None, description="The workshop session that chose it.")
    dialogue_group: int | None = Field(default=None, ge=1, le=100, description="The group of four in that session.")


class MeasureAdopted(_MeasureEvent):
    """Leader, union representative and safety representative agreed: the measure is adopted."""

    adopted_on: date
    next_follow_up_due: date
    owners: list[MeasureOwner] = Field(
        default=[], description="The leader, union and safety representatives who agreed, by role and person id.")


class MeasureFollowedUp(_MeasureEvent):
    """A follow-up of the measure was recorded, with readings of its indicators."""

    follow_up_id: Identifier
    followed_up_on: date
    in_practice: bool
    readings: list[IndicatorReading] = []
    next_follow_up_due: date | None = None
    # Added as an optional field: lets consumers judge readings without asking the measures service.
    indicators: list[IndicatorDefinition] = Field(
        default=[], description="Definitions of the indicators the readings refer to (kind, unit, baseline, better).")


class FollowUpOverdue(_MeasureEvent):
    """A follow-up was not recorded by its due date."""

    due_on: date


class MeasureEvaluated(_MeasureEvent):
    """The measure was evaluated and closed, with each indicator's change from baseline."""

    evaluated_on: date
    indicator_changes: list[IndicatorChange] = []
    indicators: list[IndicatorDefinition] = Field(
        default=[], description="Definitions of the indicators the changes refer to (kind, unit, baseline, better).")


class MeasureDiscontinued(_MeasureEvent):
    """The measure was stopped before evaluation."""

    reason: str = Field(max_length=500)


class SeriesKind(StrEnum):
    """What a unit's own indicator series measures, per period, independent of any measure."""

    SICK_LEAVE_PERCENT = "sick_leave_percent"
    FULL_TIME_SHARE_PERCENT = "full_time_share_percent"
    AVERAGE_POSITION_SIZE_PERCENT = "average_position_size_percent"  # mean stillingsprosent of the unit's staff
    TURNOVER_PERCENT = "turnover_percent"
    SURVEY_SCORE = "survey_score"  # on the scale 0-100


class PeriodReading(ContractModel):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month, YYYY-MM.")
    value: float


class UnitIndicatorRecorded(IntegrationEvent):
    """A unit's series of one indicator changed: its whole current state (so a consumer replaces its copy)."""

    topic: ClassVar[str] = MEASURES_TOPIC
    key_field: ClassVar[str] = "unit_id"

    organisation_id: Identifier
    unit_id: Identifier
    kind: SeriesKind
    series_version: int = Field(ge=1, description="Grows with every change; a copy keeps the highest it saw.")
    readings: list[PeriodReading] = Field(default=[], max_length=120)


class MilestoneOverdue(IntegrationEvent):
    """A progress plan's milestone passed its date without the goal's value being reached (once per milestone)."""

    topic: ClassVar[str] = MEASURES_TOPIC
    key_field: ClassVar[str] = "plan_id"

    organisation_id: Identifier
    plan_id: Identifier
    milestone_id: Identifier
    due_on: date
    kind: SeriesKind
    target_value: float
    current_value: float | None = None
    owner_ids: list[Identifier] = Field(default=[], description="The plan's owners (person ids) to notify.")


class CompetenceRecorded(IntegrationEvent):
    """A person holds a competence now, from completing a programme that confers it."""

    topic: ClassVar[str] = MEASURES_TOPIC
    key_field: ClassVar[str] = "person_id"

    organisation_id: Identifier
    person_id: Identifier
    competence_id: Identifier
    programme_id: Identifier
    cohort_id: Identifier


class CompetenceRevoked(IntegrationEvent):
    """The completion that conferred a competence was revoked: the person no longer holds it from that programme."""

    topic: ClassVar[str] = MEASURES_TOPIC
    key_field: ClassVar[str] = "person_id"

    organisation_id: Identifier
    person_id: Identifier
    competence_id: Identifier
    programme_id: Identifier
    cohort_id: Identifier


EVENTS = (
    MeasureProposed,
    MeasureAdopted,
    MeasureFollowedUp,
    FollowUpOverdue,
    MeasureEvaluated,
    MeasureDiscontinued,
    UnitIndicatorRecorded,
    MilestoneOverdue,
    CompetenceRecorded,
    CompetenceRevoked,
)
