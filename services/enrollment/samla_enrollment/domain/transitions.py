"""What each command of the cohort's writer does to an application and to the cohort, as pure rules.

Each function checks what the command may do, changes the seating where it is the
seating's change (a capacity, an accepted offer), and returns the new status and the
history entries that record it: who, when, from what to what, and why. Loading the
documents, staging the integration events and writing stay with the service layer
(service_layer/cohort_writer.py), which calls these in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from samla_enrollment.domain.applications import (
    BY_OFFER_EXPIRY,
    BY_PROGRAMME_POLICY,
    BY_SEAT_ALLOCATION,
    BY_WAITLIST_OFFER,
    BY_WAITLIST_PROMOTION,
    ApplicationStatus,
    check_decision,
    check_withdrawal,
    shown_status,
)
from samla_enrollment.domain.approvals import (
    BY_APPROVAL_EXPIRY,
    chain_of,
    check_chain_reason,
    current_step,
)
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus, set_status
from samla_enrollment.domain.errors import Conflict
from samla_enrollment.domain.seating import Placement, Seating, offer_deadline

S = ApplicationStatus
# How long a seat a coordinator offers after the start is held, when the programme sets no offer_days.
DEFAULT_OFFER_DAYS = 3


def history_entry(at: datetime, by: str, was: str | None, to: str, reason: str | None, **extra: Any) -> dict[str, Any]:
    """One line of an audit trail: who, when, from what to what, and why."""
    return {"at": at, "by": by, "from": was, "to": to, "reason": reason, **extra}


# -- what the reader sees -----------------------------------------------------------------------

def application_view(application: dict[str, Any], seating: Seating) -> dict[str, Any]:
    """The application as its reader sees it: status, queue position and any seat offer come from the seating."""
    placement, position = seating.where(application["_id"])
    status = shown_status(application["status"], placement)
    waiting = status is S.AWAITING_MANAGER_APPROVAL
    return application | {"status": status.value, "waitlist_position": position if status is S.WAITLISTED else None,
                          "offer_expires_at": seating.offer_deadline(application["_id"]),
                          "current_step": application.get("approval_step", 0) + 1 if waiting else None}


# -- submission ---------------------------------------------------------------------------------

def new_application(*, application_id: str, now: datetime, cohort: Mapping[str, Any], programme: Mapping[str, Any],
                    form: Mapping[str, Any], participant_id: str, manager_id: str,
                    team: tuple[str, str] | None = None) -> dict[str, Any]:
    """A submitted application: awaiting its manager, or approved at once when the programme needs no approval.

    `team` is (team id, the member's role). Placing an approved one is the caller's next step, and so
    is its `approval_deadline`, if any.
    """
    requires_approval = programme.get("requires_manager_approval", True)
    first = S.AWAITING_MANAGER_APPROVAL if requires_approval else S.APPROVED
    participant = form["participant"]
    application = {
        "_id": application_id, "cohort_id": cohort["_id"], "programme_id": programme["_id"],
        "network_id": cohort["network_id"], "organisation_id": form["organisation_id"],
        "unit_id": form["unit_id"], "participant_id": participant_id, "manager_id": manager_id,
        "role": participant.get("role"), "education": participant.get("education"),
        "experience": participant.get("experience"), "motivation": form.get("motivation"),
        "facilitator_unit_ids": form.get("facilitator_unit_ids", []),
        "requires_manager_approval": requires_approval,
        # A team has its leader's one decision; a single applicant the programme's chain, if any.
        "approval_steps": programme.get("approval_steps") if requires_approval and team is None else None,
        "approval_step": 0, "team_id": team[0] if team else None, "team_role": team[1] if team else None,
        "status": first.value, "submitted_at": now, "updated_at": now,
        "history": [
            history_entry(now, participant_id, None, S.SUBMITTED.value, None),
            history_entry(now, participant_id if requires_approval else BY_PROGRAMME_POLICY, S.SUBMITTED.value,
                          first.value, "the programme requires the manager's approval" if requires_approval
                          else "the programme needs no manager approval"),
        ],
    }
    return application


def approval_deadline(programme: Mapping[str, Any], now: datetime) -> datetime | None:
    """When an application submitted now expires undecided (programmes with approval_expires_days), if ever."""
    if programme.get("requires_manager_approval", True) and programme.get("approval_expires_days"):
        return offer_deadline(now, programme["approval_expires_days"])
    return None


# -- decisions, withdrawals, expiry -------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """A leader's (or a chain step holder's) decision, checked: what it moves the application to."""

    shown: ApplicationStatus  # as the application was shown before
    target: ApplicationStatus  # APPROVED or DECLINED
    index: int  # the step decided, from 0
    step: Mapping[str, Any]
    steps: Sequence[Mapping[str, Any]]
    by: str
    reason: str | None
    at: datetime

    @property
    def moves_on(self) -> bool:
        """Approved at a step that is not the chain's last: the application waits for the next step."""
        return self.target is S.APPROVED and self.index + 1 < len(self.steps)

    @property
    def next_step(self) -> Mapping[str, Any]:
        return self.steps[self.index + 1]

    def step_entry(self) -> dict[str, Any]:
        """The history entry of a step approved on the way (the status stays)."""
        return history_entry(self.at, self.by, self.shown.value, self.shown.value, self.reason,
                             step=self.index + 1, step_kind=self.step["kind"])

    def entry(self) -> dict[str, Any]:
        """The history entry of the decision that approves or declines the application."""
        chain = {"step": self.index + 1, "step_kind": self.step["kind"]} if len(self.steps) > 1 else {}
        return history_entry(self.at, self.by, self.shown.value, self.target.value, self.reason, **chain)

    def team_entry(self, team_id: str) -> dict[str, Any]:
        """The history entry of each team member the one decision covers."""
        return history_entry(self.at, self.by, self.shown.value, self.target.value, self.reason, team_id=team_id)


def decide(application: Mapping[str, Any], placement: Placement | None, *, approve: bool, by: str,
           reason: str | None, step: int | None, cohort_status: CohortStatus, now: datetime) -> Decision:
    """Check a decision on the application (`step`: the step the caller was found entitled to decide, if known)."""
    status = shown_status(application["status"], placement)
    target = check_decision(status=status, approve=approve, reason=reason)
    if target is S.APPROVED and cohort_status is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; there is no seat to approve")
    steps = chain_of(application)
    index, current = current_step(application)
    if step is not None and step != index:
        raise Conflict(f"the application has moved on to step {index + 1} of its approval chain; reload it")
    check_chain_reason(steps, reason)
    return Decision(status, target, index, current, steps, by, reason, now)


def withdrawal(application: Mapping[str, Any], placement: Placement | None, *, by: str | None, reason: str | None,
               cohort_status: CohortStatus, now: datetime) -> tuple[ApplicationStatus, dict[str, Any]]:
    """Check a withdrawal; returns the status it is withdrawn from (as shown) and its history entry."""
    status = shown_status(application["status"], placement)
    check_withdrawal(status=status, cohort_status=cohort_status)
    return status, history_entry(now, by or application["participant_id"], status.value, S.WITHDRAWN.value, reason)


def approval_expiry_entry(application: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The decline of an application nobody decided before its approval deadline, with a reason it can read."""
    index, step = current_step(application)
    deadline = application["approval_expires_at"]
    reason = (f"no decision before {deadline.isoformat()} (step {index + 1}, {step['kind']}); "
              f"the application expired")
    return history_entry(now, BY_APPROVAL_EXPIRY, S.AWAITING_MANAGER_APPROVAL.value, S.DECLINED.value, reason)


def transfer_out(application: Mapping[str, Any], placement: Placement | None, *, cohort_status: CohortStatus,
                 to_cohort_id: str, deferred: bool, by: str, reason: str | None, now: datetime) -> dict[str, Any]:
    """Check that the application may leave its cohort for another; returns the history entry of the move."""
    status = shown_status(application["status"], placement)
    if placement is None:
        raise Conflict(f"only an enrolled or waitlisted participant can be moved; this application is "
                       f"{status.value}")
    if cohort_status is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; its participants are no longer moved")
    why = reason or ("deferred to the next cohort" if deferred else "moved to another cohort")
    return history_entry(now, by, status.value, "transferred", why, from_cohort_id=application["cohort_id"],
                         to_cohort_id=to_cohort_id, change="transfer")


# -- places and offers --------------------------------------------------------------------------

def placement_entry(at: datetime, placement: Placement, position: int | None, *, reason: str | None = None
                    ) -> dict[str, Any]:
    """An approved application given a seat or a queue place."""
    why = reason or ("a seat was free" if placement is Placement.ENROLLED else "the cohort was full")
    return history_entry(at, BY_SEAT_ALLOCATION, S.APPROVED.value, placement.value, why, position=position)


def team_placement_reason(placement: Placement) -> str:
    return ("seats were free for the whole team" if placement is Placement.ENROLLED
            else "the cohort had no room for the whole team: it waits as one")


def promotion_entry(at: datetime, reason: str) -> dict[str, Any]:
    """A waiting applicant takes a freed seat at once."""
    return history_entry(at, BY_WAITLIST_PROMOTION, S.WAITLISTED.value, S.ENROLLED.value, reason, via="waitlist")


def offer_entry(at: datetime, deadline: datetime, *, by: str | None, reason: str) -> dict[str, Any]:
    """A waiting applicant is offered a freed seat until `deadline` (by a coordinator, or by the rule)."""
    return history_entry(at, by or BY_WAITLIST_OFFER, S.WAITLISTED.value, S.OFFERED.value, reason,
                         offer_expires_at=deadline)


def held_seat_entry(at: datetime, reason: str) -> dict[str, Any]:
    """The cohort's audit entry for a freed seat nobody is offered (the cohort has started)."""
    return history_entry(at, BY_WAITLIST_OFFER, None, "held", reason + "; the cohort has started, so a "
                         "coordinator decides whether to offer the seat", change="seat")


def check_offer_answer(application: Mapping[str, Any], seating: Seating) -> datetime:
    """The deadline of the seat on offer to the application; refused when nothing is on offer."""
    deadline = seating.offer_deadline(application["_id"])
    if deadline is None:
        status = shown_status(application["status"], seating.where(application["_id"])[0])
        raise Conflict(f"no seat is on offer to this application; it is {status.value}")
    return deadline


def offer_too_late(deadline: datetime) -> Conflict:
    """The refusal of an answer that came after the offer's deadline."""
    return Conflict(f"the offer expired at {deadline.isoformat()}; the seat has moved on",
                    expired_at=deadline.isoformat())


def offer_accepted_entry(at: datetime, by: str, reason: str | None) -> dict[str, Any]:
    return history_entry(at, by, S.OFFERED.value, S.ENROLLED.value, reason or "accepted the offered seat", via="offer")


def offer_declined_entry(at: datetime, by: str, reason: str | None) -> dict[str, Any]:
    return history_entry(at, by, S.OFFERED.value, S.WITHDRAWN.value, reason or "declined the offered seat")


def offer_expired_entry(at: datetime, deadline: datetime) -> dict[str, Any]:
    return history_entry(at, BY_OFFER_EXPIRY, S.OFFERED.value, S.WITHDRAWN.value,
                         f"the offered seat was not taken before {deadline.isoformat()}")


def check_free_seat_offer(seating: Seating, cohort_status: CohortStatus) -> None:
    """May a coordinator offer a free seat to the head of the queue?"""
    if cohort_status is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; no seat is offered any more")
    if not seating.seats_free:
        raise Conflict("no seat is free in this cohort")
    if not seating.waitlist:
        raise Conflict("nobody is waiting for a seat in this cohort")


def free_seat_offered_entry(at: datetime, by: str, reason: str | None, application_id: str) -> dict[str, Any]:
    """The cohort's audit entry for a free seat a coordinator offered to the head of the queue."""
    return history_entry(at, by, "free", "offered", reason, change="seat", application_id=application_id)


# -- the cohort itself --------------------------------------------------------------------------

def change_capacity(seating: Seating, capacity: int, *, cohort_status: CohortStatus, by: str, reason: str | None,
                    now: datetime) -> dict[str, Any] | None:
    """Resize the seating; returns the cohort's audit entry, or None when the capacity is unchanged.

    The extra seats are then the caller's to fill, as freed seats are.
    """
    if cohort_status is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; its capacity no longer changes")
    before = seating.capacity
    if capacity == before:
        return None
    seating.resize(capacity)
    return history_entry(now, by, str(before), str(capacity), reason, change="capacity")


def change_status(*, current: CohortStatus, manual: CohortStatus | None, target: CohortStatus,
                  window: ApplicationWindow, by: str, reason: str | None, now: datetime
                  ) -> tuple[CohortStatus | None, dict[str, Any]]:
    """A coordinator sets the cohort's status; returns the manual status to store and the audit entry."""
    manual = set_status(current=current, manual=manual, target=target, window=window, now=now)
    return manual, history_entry(now, by, current.value, target.value, reason, change="status")
