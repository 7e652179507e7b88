"""Request and response models of the sessions API (strict: unknown fields are refused).

Times may be sent with an offset, or without one to mean local time in the cohort's time
zone. Responses show every time in the session's own time zone, with its offset: the
same instant as the UTC that is stored, but readable as the participants' wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, Field, model_validator

from samla_shared.contract.enrollment import GatheringKind
from samla_shared.strict import StrictModel
from samla_sessions.domain.agenda import AgendaItemKind
from samla_sessions.domain.attendance import AttendanceStatus
from samla_sessions.domain.roster import RosterEntry
from samla_sessions.domain.session import Session
from samla_sessions.service_layer.completion import CompletionList

Text = Annotated[str, Field(max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Link = Annotated[AnyHttpUrl, Field(description="An http(s) link.")]
TimeZone = Literal["Europe/Oslo", "Europe/Copenhagen"]


# Request bodies refuse unknown fields: the platform's one strict base.
Strict = StrictModel


class MaterialIn(Strict):
    title: Name
    url: Link


class AssignmentIn(Strict):
    title: Name
    kind: Literal["assignment", "reading"] = "assignment"
    description: Text = ""
    url: Link | None = None


class HoursIn(Strict):
    starts: time = Field(examples=["09:00"])
    ends: time = Field(examples=["16:00"])


class SessionCreate(Strict):
    kind: GatheringKind
    title: Name | None = Field(default=None, description="Defaults to the kind, in the programme's language.")
    starts_at: datetime = Field(examples=["2027-03-01T09:00:00"])
    ends_at: datetime = Field(examples=["2027-03-02T16:00:00"])
    time_zone: TimeZone | None = Field(default=None, description="Defaults to the cohort's time zone.")
    online: bool = False
    mandatory: bool = True
    venue: Name | None = None
    city: Name | None = Field(default=None, description="Defaults to the cohort's location for in-person sessions.")
    online_link: Link | None = None
    description: Text = ""
    materials: list[MaterialIn] = Field(default_factory=list, max_length=50)
    assignments: list[AssignmentIn] = Field(default_factory=list, max_length=50)


class ScheduleGeneration(Strict):
    starts_on: date | None = Field(default=None, description="Defaults to the cohort's start date.")
    in_person_hours: HoursIn | None = Field(default=None, description="Default 09:00–16:00 local time.")
    online_hours: HoursIn | None = Field(default=None, description="Default 09:00–12:00 local time.")
    follow_up_weeks_after_closing: int | None = Field(
        default=None, ge=1, le=104, description="Add a follow-up day this many weeks after the closing.")


class FollowUpDayCreate(Strict):
    weeks_after_closing: int = Field(ge=1, le=104)
    online: bool = False
    mandatory: bool = False
    hours: HoursIn | None = None
    venue: Name | None = None
    city: Name | None = None
    online_link: Link | None = None


class SessionUpdate(Strict):
    """Reschedule (give the new times and a reason) and/or change what participants read."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    title: Name | None = None
    venue: Name | None = None
    city: Name | None = None
    online_link: Link | None = None
    description: Text | None = None
    materials: list[MaterialIn] | None = Field(default=None, max_length=50)
    assignments: list[AssignmentIn] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _reason_with_new_times(self) -> SessionUpdate:
        if (self.starts_at or self.ends_at) and not self.reason:
            raise ValueError("a reschedule needs a reason")
        return self


class Cancellation(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class DialogueStepIn(Strict):
    title: Name
    minutes: int = Field(ge=1, le=240)


class AgendaItemIn(Strict):
    starts_at: datetime | time = Field(description="A time of day (one-day sessions) or a date-time.",
                                       examples=["08:15"])
    ends_at: datetime | time = Field(examples=["08:30"])
    title: Name
    kind: AgendaItemKind
    speakers: list[Name] = Field(default_factory=list, max_length=20)
    facilitators: list[Name] = Field(default_factory=list, max_length=20)
    steps: list[DialogueStepIn] = Field(default_factory=list, max_length=20,
                                        description="Only for a dialogue exercise: its steps, in order.")
    group_size: int | None = Field(default=None, ge=2, le=20,
                                   description="Only for a dialogue exercise: people per group (seed 003: 4).")


class AgendaIn(Strict):
    items: list[AgendaItemIn] = Field(max_length=100)


class AttendanceIn(Strict):
    status: AttendanceStatus
    minutes: int | None = Field(default=None, ge=1, description="Only for partial attendance.")


class MakeUpIn(Strict):
    kind: Literal["session", "assignment"] = Field(
        description="session: the same gathering attended with another cohort (`session_id`); assignment: an "
        "assignment done instead (`note` says what).")
    session_id: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1000)


class AttendanceRecordIn(AttendanceIn):
    participant_id: Annotated[str, Field(min_length=1, max_length=64)]


class AttendanceListIn(Strict):
    records: list[AttendanceRecordIn] = Field(min_length=1, max_length=1000)
    recorded_by: Annotated[str, Field(max_length=64)] | None = None


class Held(Strict):
    held_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")


# -- responses ----------------------------------------------------------------------------------

class MaterialPublic(Strict):
    title: str
    url: str


class AssignmentPublic(Strict):
    title: str
    kind: str
    description: str
    url: str | None


class DialogueStepPublic(Strict):
    title: str
    minutes: int


class AgendaItemPublic(Strict):
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: AgendaItemKind
    speakers: list[str]
    facilitators: list[str]
    steps: list[DialogueStepPublic]
    group_size: int | None


AgendaPublic = list[AgendaItemPublic]


class ChangePublic(Strict):
    at: datetime
    what: str
    reason: str
    starts_at: datetime | None
    ends_at: datetime | None


class AttendanceCountsPublic(Strict):
    present: int
    absent: int
    excused: int
    partial: int


class SessionPublic(Strict):
    id: str
    cohort_id: str
    programme_id: str
    kind: GatheringKind
    title: str
    status: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    online: bool
    mandatory: bool
    venue: str | None
    city: str | None
    online_link: str | None
    description: str
    materials: list[MaterialPublic]
    assignments: list[AssignmentPublic]
    agenda: AgendaPublic
    held_at: datetime | None
    attendance: AttendanceCountsPublic
    changes: list[ChangePublic]


class AttendanceRecordPublic(Strict):
    participant_id: str
    status: AttendanceStatus
    minutes: int | None
    recorded_at: datetime


class MakeUpPublic(Strict):
    participant_id: str
    kind: str
    session_id: str | None = None
    note: str | None = None
    recorded_at: datetime
    recorded_by: str | None = None


class AttendancePublic(Strict):
    session_id: str
    status: str
    counts: AttendanceCountsPublic
    records: list[AttendanceRecordPublic]
    make_ups: list[MakeUpPublic] = Field(default_factory=list, description="Missed, and made up for: these count "
                                         "toward completion as attended.")


class RosterMember(BaseModel):
    participant_id: str
    application_id: str
    organisation_id: str
    unit_id: str
    status: str
    via: str | None = None
    enrolled_at: datetime | None = None


class Roster(BaseModel):
    cohort_id: str
    members: list[RosterMember]


class CompletedParticipant(Strict):
    participant_id: str
    organisation_id: str
    completed_at: datetime


class ParticipantProgress(Strict):
    participant_id: str
    organisation_id: str | None
    mandatory_sessions_attended: int
    mandatory_sessions: int
    missed_session_ids: list[str]
    completed: bool


class CompletionsPublic(Strict):
    cohort_id: str
    excused_absence_counts_as_attended: bool
    mandatory_sessions: int
    mandatory_sessions_held: int
    completed: list[CompletedParticipant] = Field(description="Completions published as ParticipantCompleted.")
    participants: list[ParticipantProgress]


class PlanPublic(Strict):
    participant_id: str
    calendar_feed: str = Field(description="Path of the same plan as an iCalendar feed to subscribe to.")
    sessions: list[SessionPublic]
    completed_cohorts: list[str] = Field(default_factory=list, description=(
        "Cohorts the participant completed; each one's certificate is at "
        "GET /cohorts/{cohort_id}/certificates/{participant_id}."))


# -- mapping ------------------------------------------------------------------------------------

def session_public(session: Session) -> SessionPublic:
    zone = ZoneInfo(session.time_zone)

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value else None

    return SessionPublic(
        id=session.id, cohort_id=session.cohort_id, programme_id=session.programme_id, kind=session.kind,
        title=session.title, status=session.status.value, starts_at=local(session.starts_at),
        ends_at=local(session.ends_at), time_zone=session.time_zone, online=session.online,
        mandatory=session.mandatory, venue=session.venue, city=session.city, online_link=session.online_link,
        description=session.description,
        materials=[MaterialPublic(title=m.title, url=m.url) for m in session.materials],
        assignments=[AssignmentPublic(title=a.title, kind=a.kind, description=a.description, url=a.url)
                     for a in session.assignments],
        agenda=[AgendaItemPublic(
            starts_at=local(i.starts_at), ends_at=local(i.ends_at), title=i.title, kind=i.kind,
            speakers=list(i.speakers), facilitators=list(i.facilitators),
            steps=[DialogueStepPublic(title=s.title, minutes=s.minutes) for s in i.steps], group_size=i.group_size,
        ) for i in session.agenda],
        held_at=local(session.held_at), attendance=AttendanceCountsPublic(**session.counts()),
        changes=[ChangePublic(at=c.at, what=c.what, reason=c.reason, starts_at=local(c.starts_at),
                              ends_at=local(c.ends_at)) for c in session.changes],
    )


def attendance_public(session: Session) -> AttendancePublic:
    zone = ZoneInfo(session.time_zone)
    return AttendancePublic(
        session_id=session.id, status=session.status.value, counts=AttendanceCountsPublic(**session.counts()),
        records=[AttendanceRecordPublic(participant_id=a.participant_id, status=a.status, minutes=a.minutes,
                                        recorded_at=a.recorded_at.astimezone(zone))
                 for a in sorted(session.attendance.values(), key=lambda a: a.participant_id)],
        make_ups=[MakeUpPublic(participant_id=m.participant_id, kind=m.kind.value, session_id=m.session_id,
                               note=m.note, recorded_at=m.recorded_at.astimezone(zone), recorded_by=m.recorded_by)
                  for m in sorted(session.make_ups.values(), key=lambda m: m.participant_id)],
    )


def roster_public(cohort_id: str, entries: Iterable[RosterEntry]) -> Roster:
    return Roster(cohort_id=cohort_id, members=[RosterMember(
        participant_id=e.participant_id, application_id=e.application_id, organisation_id=e.organisation_id,
        unit_id=e.unit_id, status=e.status, via=e.via, enrolled_at=e.enrolled_at) for e in entries])


def completions_public(found: CompletionList) -> CompletionsPublic:
    return CompletionsPublic(
        cohort_id=found.cohort_id, excused_absence_counts_as_attended=found.rule.excused_absence_counts_as_attended,
        mandatory_sessions=found.mandatory_sessions, mandatory_sessions_held=found.mandatory_sessions_held,
        completed=[CompletedParticipant(participant_id=d.participant_id, organisation_id=d.organisation_id,
                                        completed_at=d.completed_at) for d in found.completed],
        participants=[ParticipantProgress(
            participant_id=p.participant_id, organisation_id=organisation, mandatory_sessions_attended=p.attended,
            mandatory_sessions=p.required, missed_session_ids=list(p.missed), completed=p.completed,
        ) for p, organisation in found.progress],
    )
