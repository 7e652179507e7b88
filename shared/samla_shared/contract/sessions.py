"""Events of the sessions context, on `samla.sessions.v1`, keyed by cohort id."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from samla_shared.contract.base import AwareDatetime, ContractModel, Identifier, IntegrationEvent
from samla_shared.contract.enrollment import GatheringKind
from samla_shared.contract.topics import SESSIONS_TOPIC


class AttendanceCounts(ContractModel):
    present: int = Field(ge=0)
    absent: int = Field(ge=0)
    excused: int = Field(ge=0)
    partial: int = Field(ge=0)


class _SessionEvent(IntegrationEvent):
    topic: ClassVar[str] = SESSIONS_TOPIC
    key_field: ClassVar[str] = "cohort_id"

    cohort_id: Identifier
    session_id: Identifier


class SessionScheduled(_SessionEvent):
    """A gathering of a cohort was put in the calendar."""

    programme_id: Identifier
    kind: GatheringKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    time_zone: Literal["Europe/Oslo", "Europe/Copenhagen"]
    online: bool
    mandatory: bool


class SessionRescheduled(_SessionEvent):
    """A gathering moved to another time."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(max_length=500)


class SessionCancelled(_SessionEvent):
    """A gathering will not take place."""

    reason: str = Field(max_length=500)


class SessionHeld(_SessionEvent):
    """A gathering took place and its attendance is recorded."""

    held_at: AwareDatetime
    attendance: AttendanceCounts
    # Added as an optional field: who was recorded absent, so they (and their leader) can be told.
    absent_participant_ids: list[Identifier] = Field(
        default_factory=list, description="The participants recorded absent when the gathering was marked held.")


class AttendanceCorrected(_SessionEvent):
    """The attendance of one participant at a held gathering was corrected."""

    participant_id: Identifier
    status: Literal["present", "absent", "excused", "partial"]
    attendance: AttendanceCounts
    # Added as an optional field: the participant's organisation, so tenants can filter corrections.
    organisation_id: Identifier | None = Field(default=None, description="The participant's organisation.")


class MakeUpRecorded(_SessionEvent):
    """A participant absent from this mandatory gathering made up for it; it counts toward completion."""

    participant_id: Identifier
    kind: Literal["session", "assignment"]
    make_up_session_id: Identifier | None = Field(default=None, description="The other cohort's session attended.")
    recorded_by: Identifier | None = None


class ParticipantCompleted(IntegrationEvent):
    """A participant attended every mandatory gathering of their cohort."""

    topic: ClassVar[str] = SESSIONS_TOPIC
    key_field: ClassVar[str] = "cohort_id"

    cohort_id: Identifier
    programme_id: Identifier
    participant_id: Identifier
    organisation_id: Identifier
    completed_at: AwareDatetime


class CompletionRevoked(IntegrationEvent):
    """An attendance correction means a participant who completed no longer attended every mandatory gathering.

    Follows a ParticipantCompleted for the same cohort and participant; a later
    ParticipantCompleted reinstates the completion.
    """

    topic: ClassVar[str] = SESSIONS_TOPIC
    key_field: ClassVar[str] = "cohort_id"

    cohort_id: Identifier
    programme_id: Identifier
    participant_id: Identifier
    organisation_id: Identifier
    revoked_at: AwareDatetime
    reason: str = Field(max_length=500)


EVENTS = (
    SessionScheduled,
    SessionRescheduled,
    SessionCancelled,
    SessionHeld,
    AttendanceCorrected,
    ParticipantCompleted,
    CompletionRevoked,
    MakeUpRecorded,
)
