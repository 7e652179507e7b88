"""Events of the enrollment context, on `samla.enrollment.v1`.

Cohort-scoped events are keyed by cohort id, programme events by programme id.
They carry ids only: names and contact details stay in the enrollment service.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from samla_shared.contract.base import AwareDatetime, ContractModel, Identifier, IntegrationEvent
from samla_shared.contract.topics import ENROLLMENT_TOPIC


class GatheringKind(StrEnum):
    KICKOFF = "kickoff"
    GATHERING = "gathering"
    DIGITAL_MEETING = "digital_meeting"
    CLOSING = "closing"
    WORKSHOP = "workshop"
    WEBINAR = "webinar"
    FOLLOW_UP_DAY = "follow_up_day"


class PlannedGathering(ContractModel):
    """One step of a programme's gathering-plan template (e.g. a 2-day kickoff)."""

    kind: GatheringKind
    days: int = Field(ge=1, le=10, description="How many consecutive days the gathering lasts.")
    online: bool = False
    mandatory: bool = True
    weeks_after_previous: int = Field(
        default=0, ge=0, le=104, description="Distance in weeks from the start of the previous step."
    )


class CompletionRule(ContractModel):
    """How a participant completes a cohort of the programme."""

    excused_absence_counts_as_attended: bool = False


class _ProgrammeFacts(IntegrationEvent):
    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "programme_id"

    programme_id: Identifier
    code: str = Field(max_length=40)
    title: str = Field(max_length=200)
    language: Literal["nb", "da", "en"]
    curriculum_method_ids: list[Identifier] = []
    gathering_plan: list[PlannedGathering] = []
    completion_rule: CompletionRule = CompletionRule()


class ProgrammePublished(_ProgrammeFacts):
    """A programme is published: other contexts learn its plan template and completion rule."""


class ProgrammeUpdated(_ProgrammeFacts):
    """A published programme changed; the event carries its whole current state."""


class ProgrammeArchived(IntegrationEvent):
    """A programme was archived: it opens no new cohorts and takes no applications; running cohorts go on."""

    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "programme_id"

    programme_id: Identifier
    archived_at: AwareDatetime


class _CohortEvent(IntegrationEvent):
    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "cohort_id"

    cohort_id: Identifier
    programme_id: Identifier


class CohortOpened(_CohortEvent):
    """A cohort opened for applications."""

    term: str = Field(max_length=40)
    location: str = Field(max_length=120)
    capacity: int = Field(ge=1)
    time_zone: Literal["Europe/Oslo", "Europe/Copenhagen"] = "Europe/Oslo"
    applications_open_at: AwareDatetime
    applications_close_at: AwareDatetime
    starts_on: date | None = None


class CohortCapacityChanged(_CohortEvent):
    """The number of seats of a cohort changed."""

    capacity: int = Field(ge=1)
    seats_taken: int = Field(ge=0)


class _ApplicationEvent(_CohortEvent):
    application_id: Identifier
    participant_id: Identifier
    organisation_id: Identifier
    unit_id: Identifier


class ApplicationSubmitted(_ApplicationEvent):
    """Someone applied to a cohort, naming the manager who must approve it."""

    manager_id: Identifier
    requires_manager_approval: bool
    team_id: Identifier | None = Field(
        default=None, description="Set when the application is one of a unit's team: the manager decides once "
        "for the whole team.")


class ApplicationApproved(_ApplicationEvent):
    """The manager approved participation."""

    approved_by: Identifier


class ApplicationDeclined(_ApplicationEvent):
    """The manager declined participation."""

    declined_by: Identifier


class ApplicationStepApproved(_ApplicationEvent):
    """One step of the programme's approval chain approved; the application waits for the next step.

    Only the last step's approval is announced as ApplicationApproved. `next_approver_ids`
    are the people (approvers and deputies) who hold the next step, to be asked to decide.
    """

    step: int = Field(ge=1, description="The step approved, counted from 1.")
    steps: int = Field(ge=2, description="How many steps the chain has.")
    step_kind: Literal["leader", "programme_owner", "hr", "named"]
    approved_by: Identifier
    next_step_kind: Literal["programme_owner", "hr", "named"]
    next_approver_ids: list[Identifier] = Field(min_length=1)


class ParticipantEnrolled(_ApplicationEvent):
    """A participant holds a seat in the cohort."""

    via: Literal["direct", "waitlist"] = "direct"
    cohort_sequence: int = Field(ge=1, description="Position of this change in the cohort's own history.")


class ParticipantWaitlisted(_ApplicationEvent):
    """The cohort was full: the participant waits at the given place in the queue."""

    position: int = Field(ge=1)
    cohort_sequence: int = Field(ge=1)


class ParticipantWithdrawn(_ApplicationEvent):
    """A participant left the cohort or its waitlist."""

    previous_status: Literal["enrolled", "waitlisted", "approved", "awaiting_manager_approval"]
    cohort_sequence: int | None = Field(default=None, ge=1, description="Set when a seat or queue place was given up.")


class SeatOffered(_ApplicationEvent):
    """A freed seat is offered to the head of the waitlist and held for them until `expires_at`.

    Until they answer they are still waiting (no ParticipantEnrolled yet). `offered_by` is the
    coordinator who offered a seat freed after the cohort started; absent when the programme's
    offer rule made the offer.
    """

    expires_at: AwareDatetime
    offered_by: Identifier | None = None
    cohort_sequence: int = Field(ge=1)


class SeatOfferAccepted(_ApplicationEvent):
    """The participant took the seat offered to them; a ParticipantEnrolled (via waitlist) follows."""

    answered_by: Identifier
    cohort_sequence: int = Field(ge=1)


class SeatOfferDeclined(_ApplicationEvent):
    """The participant declined the offered seat and left the waitlist; the seat moves on."""

    answered_by: Identifier
    cohort_sequence: int = Field(ge=1)


class SeatOfferExpired(_ApplicationEvent):
    """Nobody answered the offer before its deadline: the participant left the waitlist; the seat moves on."""

    expired_at: AwareDatetime
    cohort_sequence: int = Field(ge=1)


class ParticipantTransferred(_ApplicationEvent):
    """A coordinator moved the application (its approvals kept) from this cohort to another of the same
    programme; `deferred` when it went to the next cohort that opens. A ParticipantWithdrawn for this
    cohort and a ParticipantEnrolled or ParticipantWaitlisted for `to_cohort_id` go with it."""

    to_cohort_id: Identifier
    transferred_by: Identifier
    deferred: bool = False
    cohort_sequence: int = Field(ge=1)


class InterestRegistered(IntegrationEvent):
    """Someone asked to hear about the next cohort of a programme."""

    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "programme_id"

    interest_id: Identifier
    programme_id: Identifier
    person_id: Identifier
    region: str | None = Field(default=None, max_length=80,
                               description="Where the person would like the next cohort to run (a county, a town).")


class ParticipantErased(IntegrationEvent):
    """A platform admin erased a person's personal data (GDPR art. 17); ids only.

    Every consumer removes or anonymises what it holds about `participant_id`: from then
    on the id names nobody. One event is published per network the person appeared in
    (`platform` when enrollment knew of none), so each network's integrators hear of it.
    """

    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "participant_id"

    participant_id: Identifier
    erasure_id: Identifier
    erased_at: AwareDatetime


EVENTS = (
    ProgrammePublished,
    ProgrammeUpdated,
    ProgrammeArchived,
    CohortOpened,
    CohortCapacityChanged,
    ApplicationSubmitted,
    ApplicationApproved,
    ApplicationDeclined,
    ParticipantEnrolled,
    ParticipantWaitlisted,
    ParticipantWithdrawn,
    InterestRegistered,
    ParticipantErased,
    SeatOffered,
    SeatOfferAccepted,
    SeatOfferDeclined,
    SeatOfferExpired,
    ParticipantTransferred,
    ApplicationStepApproved,
)
