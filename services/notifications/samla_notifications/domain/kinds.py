"""The kinds of notification, the categories people may opt out of, and which ones are mandatory."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """One kind of mail; each has a template per language under templates/<language>/<kind>.j2."""

    APPLICATION_RECEIVED = "application_received"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_STEP_REQUESTED = "approval_step_requested"  # a later step of an approval chain
    APPROVAL_REMINDER = "approval_reminder"
    APPLICATION_APPROVED = "application_approved"
    APPLICATION_DECLINED = "application_declined"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    PROMOTED = "promoted"
    SEAT_OFFERED = "seat_offered"
    SESSION_SCHEDULED = "session_scheduled"
    SESSION_RESCHEDULED = "session_rescheduled"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_REMINDER = "session_reminder"
    COMPLETED = "completed"
    ABSENCE_RECORDED = "absence_recorded"  # to the participant absent from a mandatory gathering
    EMPLOYEE_ABSENT = "employee_absent"  # to their leader
    FOLLOW_UP_DUE = "follow_up_due"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    AGREEMENT_REQUESTED = "agreement_requested"
    MILESTONE_OVERDUE = "milestone_overdue"
    COHORT_OPENED = "cohort_opened"


class Category(StrEnum):
    """What a person can opt out of, except the mandatory service messages."""

    SERVICE = "service"
    SESSION_UPDATES = "session_updates"
    REMINDERS = "reminders"
    COMPLETION = "completion"
    MEASURE_FOLLOW_UPS = "measure_follow_ups"
    NEW_COHORTS = "new_cohorts"


# Service messages are the ones a person must get to take part at all: the receipt of an
# application, the manager's request to decide, the decision, the seat or queue place, a
# cancelled gathering, and a representative's request to agree to a measure (without their
# agreement the measure cannot be adopted). Opting out of them would leave someone turning up
# to nothing, or a measure waiting for an answer nobody asked for. A manager's reminder of a
# waiting application is a reminder like any other: the request itself always went out.
MANDATORY = frozenset({Category.SERVICE})

CATEGORY_OF: dict[Kind, Category] = {
    Kind.APPLICATION_RECEIVED: Category.SERVICE,
    Kind.APPROVAL_REQUESTED: Category.SERVICE,
    Kind.APPROVAL_STEP_REQUESTED: Category.SERVICE,
    Kind.APPROVAL_REMINDER: Category.REMINDERS,
    Kind.AGREEMENT_REQUESTED: Category.SERVICE,
    Kind.APPLICATION_APPROVED: Category.SERVICE,
    Kind.APPLICATION_DECLINED: Category.SERVICE,
    Kind.ENROLLED: Category.SERVICE,
    Kind.WAITLISTED: Category.SERVICE,
    Kind.PROMOTED: Category.SERVICE,
    Kind.SEAT_OFFERED: Category.SERVICE,  # unanswered, the seat is lost: as much a service message as the seat
    Kind.SESSION_CANCELLED: Category.SERVICE,
    Kind.SESSION_SCHEDULED: Category.SESSION_UPDATES,
    Kind.SESSION_RESCHEDULED: Category.SESSION_UPDATES,
    Kind.SESSION_REMINDER: Category.REMINDERS,
    Kind.COMPLETED: Category.COMPLETION,
    # Missing a mandatory gathering stands between a participant and completing: as much a service message.
    Kind.ABSENCE_RECORDED: Category.SERVICE,
    Kind.EMPLOYEE_ABSENT: Category.SERVICE,
    Kind.FOLLOW_UP_DUE: Category.MEASURE_FOLLOW_UPS,
    Kind.FOLLOW_UP_OVERDUE: Category.MEASURE_FOLLOW_UPS,
    Kind.MILESTONE_OVERDUE: Category.MEASURE_FOLLOW_UPS,
    Kind.COHORT_OPENED: Category.NEW_COHORTS,
}


def is_wanted(kind: Kind, opted_out: frozenset[Category] | set[Category]) -> bool:
    """Whether a person with these opt-outs gets this kind of mail (mandatory ones always)."""
    category = CATEGORY_OF[kind]
    return category in MANDATORY or category not in opted_out
