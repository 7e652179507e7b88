"""Request and response models of the enrollment API (strict: unknown fields are refused).

Naming follows one habit: `XCreate` is what a client sends to create, `XPublic` what it
gets back, and actions are named after what they do (`CapacityChange`, `Withdrawal`).
Every action a person takes may say why (`reason`); who took it is the signed-in caller,
recorded from the token: a `by` in a body is ignored (kept only so older clients are not
refused), never trusted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from samla_shared.contract.base import Identifier
from samla_shared.contract.directory import Country, OrganisationKind, UnitKind
from samla_shared.contract.enrollment import CompletionRule, PlannedGathering
from samla_shared.strict import StrictModel
from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.cohorts import CohortStatus

Language = Literal["nb", "da", "en"]
TimeZone = Literal["Europe/Oslo", "Europe/Copenhagen"]
Reason = Field(default=None, max_length=1000, description="Why, in words the people concerned can read.")
IGNORED_BY = "Ignored: the signed-in caller is recorded as who did it."


# Request bodies refuse unknown fields: the platform's one strict base.
Strict = StrictModel


class Fee(Strict):
    # Bounded: beyond 64 bits the database cannot store it, and no course costs millions.
    amount_nok: int = Field(default=0, ge=0, le=10_000_000, description="Course fee; most programmes have none.")
    travel_paid_by_employer: bool = Field(default=True, description="Travel and lodging are paid by the employer.")


# -- programmes ---------------------------------------------------------------------------

class ApprovalStep(Strict):
    kind: Literal["leader", "programme_owner", "hr", "named"] = Field(
        description="leader: the applicant's named manager or a leader reaching the application (first step "
        "only); programme_owner, hr, named: the people in approver_ids.")
    approver_ids: list[Identifier] = Field(default_factory=list, max_length=20,
                                           description="Person ids who decide this step (not for the leader step).")
    deputy_ids: list[Identifier] = Field(default_factory=list, max_length=20,
                                         description="Person ids who may decide in the approvers' stead.")


class ProgrammeFields(Strict):
    code: str = Field(min_length=1, max_length=40, examples=["KULT"])
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    target_group: str = Field(default="", max_length=1000)
    language: Language = "nb"
    requires_manager_approval: bool = Field(
        default=True, description="Entry requirement: participation is anchored with the participant's manager.")
    facilitates_outside_own_unit: bool = Field(
        default=True, description="Entry requirement: participants facilitate for units other than their own.")
    relevant_education_preferred: bool = Field(
        default=True, description="Relevant education and experience with development work is an advantage "
        "(shown to applicants, not checked).")
    fee: Fee = Fee()
    curriculum_method_ids: list[Identifier] = Field(
        default_factory=list, max_length=50, description="Toolbox methods the programme teaches, by id.")
    gathering_plan: list[PlannedGathering] = Field(
        default_factory=list, max_length=20,
        description="Template of a cohort's gatherings, e.g. 2-day kickoff, 1-day gathering, digital meeting, "
        "1-day closing, with work between them.")
    completion_rule: CompletionRule = CompletionRule()
    accepts_anonymous_applications: bool = Field(
        default=False, description="The public application form works without signing in (rate-limited per "
        "client address); otherwise applicants sign in.")
    approval_steps: list[ApprovalStep] = Field(
        default_factory=list, max_length=5, description="An approval chain: ordered steps, the leader first, e.g. "
        "leader then hr. Empty: the one leader approval (when requires_manager_approval). Each decision in a "
        "chain needs a reason.")
    approval_expires_days: float = Field(
        default=0, ge=0, le=365, description="An application nobody decided this many days after it was "
        "submitted is declined with that reason (0: it waits).")
    offer_days: float = Field(
        default=0, ge=0, le=60, description="Seat offers: a seat freed before the cohort starts is offered to the "
        "head of the waitlist, held for this many days (fractions allowed); declined or expired, it moves on in "
        "order. 0: the head of the waitlist takes a freed seat at once.")


class ProgrammeCreate(ProgrammeFields):
    network_id: Identifier = Field(description="The network that owns the programme.")
    by: Identifier | None = Field(default=None, description=IGNORED_BY)


class ProgrammeUpdate(Strict):
    """Only the fields given change; the owning network does not."""

    code: str | None = Field(default=None, min_length=1, max_length=40)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    target_group: str | None = Field(default=None, max_length=1000)
    language: Language | None = None
    requires_manager_approval: bool | None = None
    facilitates_outside_own_unit: bool | None = None
    relevant_education_preferred: bool | None = None
    fee: Fee | None = None
    curriculum_method_ids: list[Identifier] | None = Field(default=None, max_length=50)
    gathering_plan: list[PlannedGathering] | None = Field(default=None, max_length=20)
    completion_rule: CompletionRule | None = None
    accepts_anonymous_applications: bool | None = None
    offer_days: float | None = Field(default=None, ge=0, le=60, description="0 turns seat offers off.")
    approval_steps: list[ApprovalStep] | None = Field(default=None, max_length=5, description="[] for one step.")
    approval_expires_days: float | None = Field(default=None, ge=0, le=365)
    by: Identifier | None = Field(default=None, description=IGNORED_BY)
    reason: str | None = Reason

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(mode="json", exclude={"by", "reason"}, exclude_none=True)
        return {name: value for name, value in given.items() if name in self.model_fields_set}


class Archival(Strict):
    by: Identifier | None = Field(default=None, description=IGNORED_BY)
    reason: str | None = Reason


class ProgrammePublic(ProgrammeFields):
    id: str
    network_id: str
    network_name: str | None = Field(default=None, description="From the directory; null for an unlisted id.")
    archived: bool
    archived_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


# -- cohorts ------------------------------------------------------------------------------

class CohortCreate(Strict):
    programme_id: Identifier
    term: str = Field(min_length=1, max_length=40, examples=["spring-2027"])
    network_id: Identifier | None = Field(
        default=None, description="The network or region running this cohort; the programme's owner by default.")
    location: str = Field(default="Oslo", min_length=1, max_length=120, description='A city, or "digital".')
    capacity: int = Field(ge=1, le=10000)
    capacity_unit: Literal["seats", "teams"] = Field(
        default="seats", description="teams: the capacity counts teams (a single applicant counts as one), "
        "e.g. 60 units taking part as teams of leader, union and safety representative.")
    time_zone: TimeZone = "Europe/Oslo"
    applications_open_at: datetime = Field(description="Without a UTC offset, read as local time in `time_zone`.")
    applications_close_at: datetime = Field(description="Without a UTC offset, read as local time in `time_zone`.")
    starts_on: date | None = None
    by: Identifier | None = Field(default=None, description=IGNORED_BY)

    @model_validator(mode="after")
    def _window_in_local_time(self) -> CohortCreate:
        zone = ZoneInfo(self.time_zone)
        if self.applications_open_at.tzinfo is None:
            self.applications_open_at = self.applications_open_at.replace(tzinfo=zone)
        if self.applications_close_at.tzinfo is None:
            self.applications_close_at = self.applications_close_at.replace(tzinfo=zone)
        if self.applications_close_at <= self.applications_open_at:
            raise ValueError("applications_close_at must be after applications_open_at")
        return self


class CohortPublic(Strict):
    id: str
    programme_id: str
    network_id: str
    term: str
    location: str
    capacity: int
    capacity_unit: Literal["seats", "teams"] = "seats"
    time_zone: TimeZone
    applications_open_at: datetime = Field(description="In the cohort's time zone.")
    applications_close_at: datetime = Field(description="In the cohort's time zone.")
    starts_on: date | None = None
    network_name: str | None = Field(default=None, description="From the directory; null for an unlisted id.")
    status: CohortStatus
    seats_taken: int
    seats_free: int
    waitlist_length: int
    seats_on_offer: int = Field(default=0, description="Seats held for waitlisted people until their offer's "
                                "deadline; they are not free.")
    created_at: datetime


class CapacityChange(Strict):
    capacity: int = Field(ge=1, le=10000, description="Growing promotes the head of the waitlist at once; "
                          "it cannot go below the seats already taken.")
    by: Identifier | None = Field(default=None, description=IGNORED_BY)
    reason: str | None = Reason


class StatusChange(Strict):
    status: CohortStatus = Field(description="closed (stop taking applications), open (reopen after a close, "
                                 "within the window), running, completed. The others follow from the clock.")
    by: Identifier | None = Field(default=None, description=IGNORED_BY)
    reason: str | None = Reason


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    by: str = Field(description="A person's id, or the rule that acted: programme-policy, seat-allocation, "
                    "waitlist-promotion.")
    from_: str | None = Field(default=None, alias="from")
    to: str
    reason: str | None = None
    position: int | None = Field(default=None, description="Waitlist position given.")
    via: str | None = Field(default=None, description="How a seat was taken: waitlist for a promotion.")
    change: str | None = Field(default=None, description="What changed on a cohort: capacity, status or seat "
                               "(a freed seat held after the start, or offered by a coordinator).")
    offer_expires_at: datetime | None = Field(default=None, description="The deadline of a seat offer made.")
    application_id: str | None = Field(default=None, description="The application a coordinator offered a seat.")
    from_cohort_id: str | None = Field(default=None, description="A transfer: the cohort left.")
    step: int | None = Field(default=None, description="An approval chain: the step decided, counted from 1.")
    step_kind: str | None = Field(default=None, description="An approval chain: the kind of the step decided.")
    to_cohort_id: str | None = Field(default=None, description="A transfer: the cohort joined.")
    fields: list[str] | None = Field(default=None, description="Which fields of a programme changed.")


# -- applications -------------------------------------------------------------------------

class ContactPublic(Strict):
    person_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: Language | None = None


# One consumed batch of events mails at most a few hundred people: the notifications service asks once for them all.
CONTACTS_PER_REQUEST = 500


class ContactsQuery(Strict):
    person_ids: list[str] = Field(min_length=1, max_length=CONTACTS_PER_REQUEST,
                                  description="The people whose contact details are wanted (at most 500).")


class ContactsPublic(Strict):
    contacts: list[ContactPublic] = Field(description="The people enrollment knows, in the order asked; an id it "
                                                      "does not know (or the caller may not read) is left out.")



class Person(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(default=None, max_length=40)
    language: Language | None = Field(default=None, description="The language the person prefers to be written to.")


class Participant(Strict):
    """The applicant. Signed in as a participant, the applicant is the person the token names:
    `name` and `email` here are then ignored (the person record, from the token's claims, counts)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    language: Language | None = Field(default=None, description="The language the person prefers to be written to.")
    role: str | None = Field(default=None, max_length=200, description="Role or title, e.g. nurse, head of unit.")
    education: str | None = Field(default=None, max_length=2000)
    experience: str | None = Field(default=None, max_length=2000, description="Experience with development work.")


class ApplicationCreate(Strict):
    participant: Participant
    manager: Person = Field(description="The manager who approves the participation.")
    organisation_id: Identifier
    unit_id: Identifier = Field(description="The participant's own unit.")
    motivation: str | None = Field(default=None, max_length=5000)
    facilitator_unit_ids: list[Identifier] = Field(
        default_factory=list, max_length=50,
        description="Units the participant will facilitate for; not their own when the programme says so.")


class TeamMember(Strict):
    role: Literal["leader", "union_representative", "safety_representative", "member"]
    participant: Person


class TeamApplicationCreate(Strict):
    """A unit applies as a team that takes seats together or waits together; the manager's one decision
    covers every member."""

    organisation_id: Identifier
    unit_id: Identifier = Field(description="The unit the team comes from.")
    manager: Person = Field(description="The manager who approves the team's participation, once for all.")
    members: list[TeamMember] = Field(min_length=2, max_length=12, description="Leader, union representative, "
                                      "safety representative, optionally more.")
    motivation: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _distinct_people(self) -> TeamApplicationCreate:
        emails = [m.participant.email.lower() for m in self.members]
        if len(set(emails)) != len(emails):
            raise ValueError("each member of the team is a different person (e-mail address)")
        return self


class TeamPublic(Strict):
    team_id: str
    cohort_id: str
    status: ApplicationStatus = Field(description="The team's status: its members move together.")
    waitlist_position: int | None = Field(default=None, description="The team's one place in the queue.")
    applications: list[ApplicationPublic]


class Received(Strict):
    """The public form's answer: the same whether the application is new or the address had applied already."""

    status: Literal["received"]
    detail: str


class ApplicationPublic(Strict):
    id: str
    cohort_id: str
    programme_id: str
    network_id: str
    organisation_id: str
    unit_id: str
    participant_id: str
    manager_id: str
    organisation_name: str | None = Field(default=None, description="From the directory; null for an unlisted id.")
    unit_name: str | None = Field(default=None, description="From the directory; null for an unlisted id.")
    role: str | None = None
    education: str | None = None
    experience: str | None = None
    motivation: str | None = None
    facilitator_unit_ids: list[str] = []
    status: ApplicationStatus
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = Field(
        default=None, description="While status is offered: the seat is held until then (accept or decline it).")
    team_id: str | None = Field(default=None, description="Set when the application is one of a team's.")
    team_role: str | None = Field(default=None, description="The member's role in the team.")
    approval_steps: list[ApprovalStep] | None = Field(
        default=None, description="The approval chain this application passes (copied from the programme when "
        "it was submitted); null for the one leader approval.")
    current_step: int | None = Field(default=None, description="While awaiting approval: the step waiting for a "
                                     "decision, counted from 1.")
    approval_expires_at: datetime | None = Field(
        default=None, description="While awaiting approval: declined if nobody decided by then.")
    submitted_at: datetime
    history: list[HistoryEntry] | None = Field(
        default=None, description="Every transition: who, when, from what to what, and why (single reads only).")
    applicant: ContactPublic | None = Field(
        default=None, description="The applicant's name and contact details: shown to the applicant, the "
        "coordinators of the cohort's network and the leaders who reach the application.")


class ApprovalDecision(Strict):
    decision: Literal["approve", "decline"]
    manager_id: Identifier | None = Field(
        default=None, description="Optional: the deciding leader is the signed-in caller; if given, it must be them.")
    reason: str | None = Field(default=None, max_length=1000, description="Required when declining.")


class OfferAnswer(Strict):
    answer: Literal["accept", "decline"] = Field(description="accept takes the seat; decline leaves the waitlist "
                                                 "and the seat moves on to the next in the queue.")
    reason: str | None = Reason
    by: Identifier | None = Field(default=None, description=IGNORED_BY)


class SeatOfferRequest(Strict):
    """A coordinator offers one free seat to the head of the waitlist (after the start nobody else does)."""

    reason: str | None = Reason
    by: Identifier | None = Field(default=None, description=IGNORED_BY)


class Transfer(Strict):
    """Exactly one of `cohort_id` (a cohort of the same programme) or `defer: true` (the next cohort that opens)."""

    cohort_id: Identifier | None = Field(default=None, description="The cohort to move to.")
    defer: bool = Field(default=False, description="Move to the next cohort of the programme that opens.")
    reason: str | None = Reason
    by: Identifier | None = Field(default=None, description=IGNORED_BY)

    @model_validator(mode="after")
    def _one_target(self) -> Transfer:
        if (self.cohort_id is None) != self.defer:
            raise ValueError("give either cohort_id or defer: true")
        return self


class Withdrawal(Strict):
    reason: str | None = Reason
    by: Identifier | None = Field(default=None, description=IGNORED_BY)


# -- interest and contact -----------------------------------------------------------------

class InterestCreate(Strict):
    person: Person | None = Field(default=None, description="Who is interested; signed in as a participant, the "
                                  "caller is, and this is ignored. A coordinator registers someone by it.")
    region: str | None = Field(default=None, min_length=1, max_length=80, examples=["Nordland"],
                               description="Where the person would like the next cohort to run (a county, a town); "
                               "coordinators see interest per region.")


class InterestPublic(Strict):
    id: str
    programme_id: str
    cohort_id: str | None = Field(default=None, description="The (full) cohort where the interest was registered.")
    person_id: str
    registered_at: datetime
    region: str | None = None
    pending: bool = Field(description="No cohort of the programme has been announced since the registration.")


class RegionalInterest(Strict):
    region: str | None = Field(description="As people wrote it, trimmed; null for those who named none.")
    pending: int = Field(description="Registrations still waiting for a cohort to be announced.")
    total: int = Field(description="Every registration, also those already told of a cohort.")




class CohortSummary(Strict):
    term: str
    location: str | None = None
    starts_on: date | None = None
    programme_title: str | None = None


class ParticipantApplication(ApplicationPublic):
    cohort: CohortSummary | None = None


class LeaderInbox(Strict):
    awaiting_decision: list[ApplicationPublic] = Field(
        description="Applications the caller may decide now: in their organisation and units, or naming them.")
    employees: list[ApplicationPublic] = Field(
        description="Every application of the caller's organisation and units, or naming them, newest first, "
        "with its status and waitlist place.")


class ParticipantInbox(Strict):
    applications: list[ParticipantApplication] = Field(
        description="The caller's own applications, newest first: status, waitlist place, cohort and programme.")


class PendingChange(Strict):
    person_id: str = Field(description="The record the change is for: the caller's, or one linked to them.")
    name: str | None = None
    phone: str | None = None
    language: Language | None = None
    proposed_at: datetime


class Me(Strict):
    """The signed-in caller as Samla knows them."""

    person_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: Language | None = None
    linked_person_ids: list[str] = Field(
        default_factory=list, description="Records a form registered for the caller's verified address before they "
        "signed in; their applications are the caller's.")
    pending_changes: list[PendingChange] = Field(
        default_factory=list, description="Details a form proposed; nothing changes until the person confirms.")


class PendingSettlement(Strict):
    confirm: bool = Field(description="true applies the proposed details, false drops them.")


# -- the directory ----------------------------------------------------------------------------

Name = Field(min_length=1, max_length=200)
EntryId = Field(default=None, description="An id of your choosing (e.g. one your systems already use); "
                "a new one is made when absent. It never changes.")
OrganisationNumber = Field(default=None, pattern=r"^[0-9]{8,9}$",
                           description="9 digits in Norway (Enhetsregisteret), 8 in Denmark (CVR).")


class NetworkCreate(Strict):
    id: Identifier | None = EntryId
    name: str = Name
    country: Country
    default_language: Language = "nb"
    time_zone: TimeZone = "Europe/Oslo"


class NetworkUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: Country | None = None
    default_language: Language | None = None
    time_zone: TimeZone | None = None


class NetworkPublic(Strict):
    id: str
    name: str
    country: Country
    default_language: Language
    time_zone: TimeZone
    created_at: datetime
    updated_at: datetime


class OrganisationCreate(Strict):
    id: Identifier | None = EntryId
    network_id: Identifier
    name: str = Name
    kind: OrganisationKind = Field(description="municipality, hospital_trust, region, other")
    organisation_number: str | None = OrganisationNumber


class OrganisationUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    organisation_number: str | None = OrganisationNumber


class OrganisationPublic(Strict):
    id: str
    network_id: str
    name: str
    kind: OrganisationKind
    organisation_number: str | None = None
    created_at: datetime
    updated_at: datetime


class UnitCreate(Strict):
    id: Identifier | None = EntryId
    organisation_id: Identifier
    name: str = Name
    kind: UnitKind = Field(description="ward, department, home_care_service, clinic, nursing_home, other")


class UnitUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: UnitKind | None = None


class UnitPublic(Strict):
    id: str
    organisation_id: str
    network_id: str
    name: str
    kind: UnitKind
    created_at: datetime
    updated_at: datetime


# -- personal data ----------------------------------------------------------------------------

class ErasureRequest(Strict):
    # No free-text reason: the record is kept as proof, and a reason would tend to name the person.
    by: Identifier | None = Field(default=None, description=IGNORED_BY)


class ErasurePublic(Strict):
    person_id: str
    erasure_id: str
    requested_by: str | None = None
    requested_at: datetime
    networks: list[str] = Field(description="Networks ParticipantErased was announced in.")
    completed_at: datetime | None = Field(
        default=None, description="When enrollment finished erasing; the other services follow from the event.")
    erased: dict[str, int] | None = Field(default=None, description="What enrollment removed, by kind.")


class RetentionRound(Strict):
    cohorts: int = Field(description="Completed cohorts past the retention period.")
    applications: int = Field(description="Applications anonymised in this round (0 when run again).")
