"""Request and response models of the measures API (strict: unknown fields are refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.measures import BetterDirection, IndicatorKind, MeasureArea, SeriesKind
from samla_shared.strict import StrictModel
from samla_measures.domain.measure import MeasureStatus, OwnerRole
from samla_measures.domain.toolbox import CostLevel

# Finite numbers only: JSON from some clients can carry NaN or Infinity, which no indicator means.
Number = Annotated[float, Field(allow_inf_nan=False)]


# Request bodies refuse unknown fields: the platform's one strict base.
Strict = StrictModel


# -- toolbox -----------------------------------------------------------------------------------

class LocalizedText(Strict):
    """The same text in the languages Samla's users read; at least one is required."""

    nb: str | None = Field(default=None, min_length=1, max_length=5000, description="Norsk bokmål")
    da: str | None = Field(default=None, min_length=1, max_length=5000, description="Dansk")
    en: str | None = Field(default=None, min_length=1, max_length=5000, description="English")

    @model_validator(mode="after")
    def _some_language(self) -> "LocalizedText":
        if not (self.nb or self.da or self.en):
            raise ValueError("give the text in at least one of nb, da, en")
        return self


class MethodCreate(Strict):
    network_id: Identifier = Field(description="The network whose coordinators add the method; it is listed for them.")
    name: LocalizedText
    purpose: LocalizedText
    areas: list[MeasureArea] = Field(min_length=1, max_length=6)
    typical_duration: LocalizedText
    cost_level: CostLevel = CostLevel.LOW
    steps: list[LocalizedText] = Field(default_factory=list, max_length=30)


class MethodPublic(BaseModel):
    id: str
    network_id: str | None
    origin: Literal["catalogue", "coordinator"]
    name: LocalizedText
    purpose: LocalizedText
    areas: list[MeasureArea]
    typical_duration: LocalizedText
    cost_level: CostLevel
    steps: list[LocalizedText]


# -- measures ----------------------------------------------------------------------------------

class OwnerAssignment(Strict):
    role: OwnerRole
    person_id: Identifier


class IndicatorCreate(Strict):
    kind: IndicatorKind
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=20, description='Fixed to "%" for percentages.')
    baseline: Number
    baseline_date: date
    target: Number
    better: BetterDirection | None = Field(default=None, description="Defaults by kind; required for custom.")
    scale_min: Number | None = None
    scale_max: Number | None = None
    series_kind: SeriesKind | None = Field(
        default=None, description="Follow the units' own series of this kind (GET /units/{id}/series); "
                                  "the indicator's kind must match unless it is custom.")


class IndicatorPublic(BaseModel):
    id: str
    kind: IndicatorKind
    name: str
    unit: str
    baseline: float
    baseline_date: date
    target: float
    better: BetterDirection
    scale_min: float | None = None
    scale_max: float | None = None
    series_kind: SeriesKind | None = None


class MeasureCreate(Strict):
    network_id: Identifier
    organisation_id: Identifier
    unit_ids: list[Identifier] = Field(min_length=1, max_length=50)
    title: str = Field(min_length=1, max_length=200)
    area: MeasureArea
    goal: str = Field(min_length=1, max_length=2000)
    method_id: Identifier | None = None
    programme_id: Identifier | None = None
    cohort_id: Identifier | None = None
    facilitator_id: Identifier | None = Field(default=None, description="The participant who supports the unit.")
    owners: list[OwnerAssignment] = Field(default_factory=list, max_length=3)
    start_date: date | None = None
    follow_up_every_weeks: int = Field(default=8, ge=1, le=52)
    first_follow_up_after_weeks: int | None = Field(
        default=None, ge=1, le=104, description="When the first follow-up differs from the rhythm (e.g. 8-10 weeks).")
    indicators: list[IndicatorCreate] = Field(default_factory=list, max_length=20)
    reason: str | None = Field(default=None, max_length=1000)
    session_id: Identifier | None = Field(default=None,
                                          description="The workshop session (sessions' id) that chose it.")
    dialogue_group: int | None = Field(default=None, ge=1, le=100, description="The session's group of four.")

    @model_validator(mode="after")
    def _consistent(self) -> "MeasureCreate":
        if len(set(self.unit_ids)) != len(self.unit_ids):
            raise ValueError("unit_ids lists a unit twice")
        roles = [o.role for o in self.owners]
        if len(set(roles)) != len(roles):
            raise ValueError("owners names a role twice")
        if self.cohort_id and not self.programme_id:
            raise ValueError("a cohort_id needs its programme_id")
        if self.dialogue_group is not None and not self.session_id:
            raise ValueError("a dialogue_group needs its session_id")
        return self


class ConsentCreate(Strict):
    """The caller agrees, in the role and name of their token; nobody agrees for another party."""

    role: OwnerRole | None = Field(
        default=None, description="Which of the caller's own party roles agrees; needed only if the token holds two.")
    person_id: Identifier | None = Field(
        default=None, description="Deprecated: the caller's person is taken from the token. If given it must be the "
                                  "caller's own person id (anything else is refused with 403).")


class AdoptionCreate(Strict):
    adopted_on: date | None = Field(default=None, description="Defaults to today; not in the future.")
    first_follow_up_on: date | None = None
    reason: str | None = Field(default=None, max_length=1000)


class ReadingIn(Strict):
    indicator_id: Identifier
    value: Number


class FollowUpCreate(Strict):
    held_on: date
    readings: list[ReadingIn] = Field(default_factory=list, max_length=20)
    worked: str = Field(default="", max_length=5000, description="What worked.")
    did_not_work: str = Field(default="", max_length=5000, description="What did not work.")
    in_practice: bool
    next_follow_up_on: date | None = Field(default=None, description="Defaults to the measure's rhythm.")


class FollowUpPublic(BaseModel):
    id: str
    held_on: date
    readings: list[ReadingIn]
    worked: str
    did_not_work: str
    in_practice: bool
    next_follow_up_due: date
    recorded_at: datetime
    recorded_by: str | None = Field(default=None, description="The person who recorded it (from their token).")


class EvaluationCreate(Strict):
    evaluated_on: date | None = None
    summary: str = Field(min_length=1, max_length=5000)
    final_readings: list[ReadingIn] = Field(default_factory=list, max_length=20)
    reason: str | None = Field(default=None, max_length=1000)


class DiscontinuationCreate(Strict):
    reason: str = Field(min_length=1, max_length=500)
    discontinued_on: date | None = None


class OwnerPublic(BaseModel):
    role: OwnerRole
    person_id: str | None
    agreed_at: datetime | None


class StatusChange(BaseModel):
    status: MeasureStatus
    at: datetime
    reason: str | None
    by: str | None = Field(default=None, description="The person who made the change (from their token).")


class IndicatorChangePublic(BaseModel):
    indicator_id: str
    baseline: float
    latest: float
    change: float


class EvaluationPublic(BaseModel):
    evaluated_on: date
    summary: str
    indicator_changes: list[IndicatorChangePublic]
    recorded_by: str | None = None


class DiscontinuationPublic(BaseModel):
    discontinued_on: date
    reason: str
    decided_by: str | None = None


class UnitName(BaseModel):
    id: str
    name: str | None = Field(description="From the directory; None while the directory does not know the unit.")


class MeasurePublic(BaseModel):
    id: str
    network_id: str
    network_name: str | None = None
    organisation_id: str
    organisation_name: str | None = None
    unit_ids: list[str]
    units: list[UnitName] = Field(default_factory=list, description="The unit ids with their names.")
    title: str
    area: MeasureArea
    goal: str
    method_id: str | None = None
    programme_id: str | None = None
    cohort_id: str | None = None
    facilitator_id: str | None = None
    owners: list[OwnerPublic]
    missing_agreements: list[OwnerRole]
    start_date: date | None = None
    follow_up_every_weeks: int
    first_follow_up_after_weeks: int | None = None
    status: MeasureStatus
    history: list[StatusChange]
    adopted_on: date | None = None
    next_follow_up_due: date | None = None
    overdue: bool
    follow_up_count: int
    indicators: list[IndicatorPublic]
    evaluation: EvaluationPublic | None = None
    discontinuation: DiscontinuationPublic | None = None
    proposed_by: str | None = None
    adopted_by: str | None = None
    source_item_id: str | None = Field(default=None, description="The unit's input item it was made from.")
    session_id: str | None = Field(default=None, description="The workshop session that chose it.")
    dialogue_group: int | None = Field(default=None, description="The group of four in that session.")
    created_at: datetime


# -- inboxes -----------------------------------------------------------------------------------

class InboxMeasure(BaseModel):
    """One measure in an inbox, with names, and which of the caller's agreements it waits for."""

    id: str
    title: str
    area: MeasureArea
    status: MeasureStatus
    network_id: str
    network_name: str | None
    organisation_id: str
    organisation_name: str | None
    units: list[UnitName]
    missing_agreements: list[OwnerRole]
    awaiting_your_agreement_as: list[OwnerRole]
    next_follow_up_due: date | None
    overdue: bool


class RepresentativeInbox(BaseModel):
    awaiting_your_agreement: list[InboxMeasure] = Field(
        description="Proposed measures of the caller's organisation/units that wait for the caller's own agreement.")
    awaiting_others: list[InboxMeasure] = Field(
        description="Proposed measures the caller agreed to (or is not asked for) that still wait for another party.")


class LeaderInbox(BaseModel):
    awaiting_your_agreement: list[InboxMeasure]
    awaiting_others: list[InboxMeasure] = Field(description="Proposed measures waiting for a representative.")
    ready_to_adopt: list[InboxMeasure] = Field(description="All three parties agreed; the adoption is next.")
    active: list[InboxMeasure] = Field(description="Adopted or in practice, with the next follow-up and whether it is overdue.")


# -- effects and insight -----------------------------------------------------------------------

class Reading(BaseModel):
    on: date
    value: float


class IndicatorEffect(BaseModel):
    indicator: IndicatorPublic
    series: list[Reading] = Field(description="Readings in date order, from follow-ups and the evaluation.")
    latest: float | None
    change: float | None = Field(description="Latest reading minus baseline.")
    trend: Literal["improving", "worsening", "unchanged", "not_measured"]
    target_reached: bool


class MeasureEffect(BaseModel):
    measure_id: str
    title: str
    area: MeasureArea
    status: MeasureStatus
    adopted_on: date | None
    follow_up_count: int
    indicators: list[IndicatorEffect]


class MeasureMark(BaseModel):
    """Where a measure sits on a unit's series: when it was proposed, adopted and closed."""

    measure_id: str
    title: str
    status: MeasureStatus
    proposed_on: date
    adopted_on: date | None
    closed_on: date | None
    linked: bool = Field(description="One of the measure's indicators follows this series.")


class SeriesEffect(BaseModel):
    kind: SeriesKind
    unit: str
    better: BetterDirection
    readings: list[Reading] = Field(description="The unit's own monthly readings (`on` is the month's first day).")
    measures: list[MeasureMark]


class UnitEffects(BaseModel):
    unit_id: str
    unit_name: str | None = None
    measures: list[MeasureEffect]
    series: list[SeriesEffect] = Field(default_factory=list,
                                       description="The unit's own series, with its measures marked on them.")


class AreaCounts(BaseModel):
    area: MeasureArea
    proposed: int
    adopted: int
    in_practice: int
    evaluated: int
    discontinued: int
    total: int


class MovementCounts(BaseModel):
    kind: IndicatorKind
    improving: int
    worsening: int
    unchanged: int
    average_change: float | None = Field(description="Mean change from baseline in percentage points (percent kinds).")


class OrganisationInsight(BaseModel):
    organisation_id: str
    organisation_name: str | None = None
    measures: int
    measures_active: int
    units_active: int
    overdue_follow_ups: int
    indicator_movement: list[MovementCounts]


class ProgrammeFacilitators(BaseModel):
    programme_id: str
    facilitators_active: int = Field(description="Participants holding a seat in a cohort, or who completed one.")
    facilitators_completed: int
    facilitators_supporting_measures: int = Field(description="Facilitators named on an adopted measure.")


class TrendPeriod(BaseModel):
    period: str
    mean: float = Field(description="Mean over the units that reported this month.")
    units_reporting: int


class NetworkTrend(BaseModel):
    """One indicator across the network's units, month by month, from the units' own series."""

    kind: SeriesKind
    unit: str
    better: BetterDirection
    units: int = Field(description="Units with a series of this kind.")
    periods: list[TrendPeriod]
    units_improving: int = Field(description="Units whose latest reading is better than their first.")
    units_worsening: int
    units_unchanged: int
    average_change: float | None = Field(description="Mean of latest minus first reading across units with two.")


class NetworkInsight(BaseModel):
    network_id: str
    network_name: str | None = None
    organisations_active: int = Field(description="Organisations with at least one adopted or in-practice measure.")
    organisations_with_measures: int
    units_active: int = Field(description="Units with at least one adopted or in-practice measure.")
    measures_total: int
    measures_by_status: dict[MeasureStatus, int]
    measures_by_area: list[AreaCounts]
    overdue_follow_ups: int
    indicator_movement: list[MovementCounts]
    organisations: list[OrganisationInsight]
    facilitators_by_programme: list[ProgrammeFacilitators]
    trends: list[NetworkTrend] = Field(default_factory=list,
                                       description="Each indicator's trend across the units' own series.")
    updated_at: datetime | None = None


class NationalRegion(BaseModel):
    region: str = Field(description="The regional deployment, as MirrorMaker 2 names its cluster (topic prefix).")
    programmes: int
    cohorts: int
    participants_enrolled: int = Field(description="Seats held now (enrolled and not withdrawn).")
    completions: int = Field(description="Completions that stand (not revoked).")
    measures: int


class NationalProgramme(BaseModel):
    region: str
    programme_id: str
    code: str | None = Field(description="None until the programme's own event has arrived.")
    title: str | None
    status: Literal["published", "archived"] | None
    cohorts: int
    participants_enrolled: int
    completions: int


class NationalAreaCounts(BaseModel):
    region: str
    area: MeasureArea
    total: int
    proposed: int
    adopted: int
    evaluated: int
    discontinued: int


class NationalTrend(NetworkTrend):
    region: str


class NationalOverview(BaseModel):
    regions: list[NationalRegion]
    programmes: list[NationalProgramme]
    measures_by_area: list[NationalAreaCounts]
    trends: list[NationalTrend] = Field(default_factory=list,
                                        description="Per region, each indicator's trend across its units' own series.")
