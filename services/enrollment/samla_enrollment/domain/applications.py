"""Application rules: who may apply when, the manager's decision, and the states an application moves through.

    submitted → awaiting_manager_approval → approved → enrolled | waitlisted
    waitlisted → enrolled (promoted when a seat is freed)
    waitlisted → offered → enrolled (accepted) | withdrawn (declined, or the offer expired)
    withdrawn and declined are the exits

An application document stores the *intent* (awaiting approval, approved, withdrawn,
declined); whether an approved application holds a seat or a queue place is read from
the cohort's seating, the single source of truth for placement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from samla_enrollment.domain.cohorts import NO_APPLICATIONS, ApplicationWindow, CohortStatus
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.seating import Placement


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_MANAGER_APPROVAL = "awaiting_manager_approval"
    APPROVED = "approved"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a seat is held for the applicant until the offer's deadline
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"


S = ApplicationStatus
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.SUBMITTED: frozenset({S.AWAITING_MANAGER_APPROVAL, S.APPROVED}),
    S.AWAITING_MANAGER_APPROVAL: frozenset({S.APPROVED, S.DECLINED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.ENROLLED, S.WAITLISTED, S.WITHDRAWN}),
    S.WAITLISTED: frozenset({S.ENROLLED, S.OFFERED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.ENROLLED, S.WITHDRAWN}),
    S.ENROLLED: frozenset({S.WITHDRAWN}),
}
FINAL = (S.WITHDRAWN, S.DECLINED)

# Who moved an application when no person did: recorded in its history.
BY_PROGRAMME_POLICY = "programme-policy"  # the programme needs no manager approval
BY_SEAT_ALLOCATION = "seat-allocation"
BY_WAITLIST_PROMOTION = "waitlist-promotion"
BY_WAITLIST_OFFER = "waitlist-offer"  # a freed seat offered to the head of the queue
BY_OFFER_EXPIRY = "offer-expiry"  # nobody answered an offer before its deadline


def shown_status(stored: str, placement: Placement | None) -> ApplicationStatus:
    """What the applicant sees: an approved application shows its seat or queue place once it has one."""
    status = ApplicationStatus(stored)
    if status is S.APPROVED and placement is not None:
        return ApplicationStatus(placement.value)
    return status


def ensure_transition(current: ApplicationStatus, target: ApplicationStatus) -> None:
    if target in TRANSITIONS.get(current, frozenset()):
        return
    if current in FINAL:
        raise Conflict(f"the application is already {current.value}; it cannot become {target.value}")
    raise Conflict(f"an application that is {current.value} cannot become {target.value}")


def check_submission(*, programme_archived: bool, cohort_status: CohortStatus, window: ApplicationWindow,
                     now: datetime) -> None:
    """May anyone apply to this cohort now? Archived and closed say 409, the window says 422."""
    if programme_archived:
        raise Conflict("the programme is archived and takes no applications")
    if cohort_status in NO_APPLICATIONS and now < window.closes_at:
        raise Conflict(f"the cohort is {cohort_status.value} and takes no applications")
    if not window.contains(now):
        raise RuleViolation(f"applications are accepted {window.describe()}; it is "
                            f"{window.local(now):%Y-%m-%d %H:%M} now")


def check_applicant(*, participant_email: str, manager_email: str, unit_id: str,
                    facilitator_unit_ids: Sequence[str], facilitates_outside_own_unit: bool) -> None:
    """The entry requirements that can be checked on the form itself."""
    if participant_email.lower() == manager_email.lower():
        raise RuleViolation("the approving manager must be someone other than the applicant")
    if facilitates_outside_own_unit and unit_id in facilitator_unit_ids:
        raise RuleViolation(f"participants of this programme facilitate for units other than their own; "
                            f"{unit_id} is the applicant's own unit")


def check_decision(*, status: ApplicationStatus, approve: bool, reason: str | None) -> ApplicationStatus:
    """A leader approves or declines, once; returns the resulting status.

    Who may decide (the named manager, or a leader whose organisation and units cover the
    application) is the entrypoint's check, from the token: see the README.
    """
    if status is not S.AWAITING_MANAGER_APPROVAL:
        raise Conflict(f"the application is {status.value}, not awaiting approval")
    if not approve and not (reason and reason.strip()):
        raise RuleViolation("a decline needs a reason the applicant can read")
    target = S.APPROVED if approve else S.DECLINED
    ensure_transition(status, target)
    return target


def check_withdrawal(*, status: ApplicationStatus, cohort_status: CohortStatus) -> None:
    ensure_transition(status, S.WITHDRAWN)
    if cohort_status is CohortStatus.COMPLETED:
        raise Conflict("the cohort is completed; its participants can no longer withdraw")
