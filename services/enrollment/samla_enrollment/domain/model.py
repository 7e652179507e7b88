"""Enrollment rules, free of I/O: application states, seat allocation and the waitlist."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from samla_enrollment.domain.errors import Conflict, RuleViolation


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    AWAITING_MANAGER_APPROVAL = "awaiting_manager_approval"
    APPROVED = "approved"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"


class CohortStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    RUNNING = "running"
    COMPLETED = "completed"


@dataclass
class Seating:
    """The seats and the queue of one cohort: the single source of truth for placement."""

    capacity: int
    enrolled: list[str] = field(default_factory=list)
    waitlist: list[str] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return max(self.capacity - len(self.enrolled), 0)

    def place(self, application_id: str) -> tuple[ApplicationStatus, int | None]:
        """Give the applicant a free seat, or the next place in the queue (1-based)."""
        if application_id in self.enrolled or application_id in self.waitlist:
            raise Conflict("the application is already placed in this cohort")
        if self.seats_free > 0:
            self.enrolled.append(application_id)
            return ApplicationStatus.ENROLLED, None
        self.waitlist.append(application_id)
        return ApplicationStatus.WAITLISTED, len(self.waitlist)

    def withdraw(self, application_id: str) -> tuple[ApplicationStatus, list[str]]:
        """Remove the applicant; a freed seat goes to the head of the queue. Returns who was promoted."""
        if application_id in self.waitlist:
            self.waitlist.remove(application_id)
            return ApplicationStatus.WAITLISTED, []
        if application_id not in self.enrolled:
            raise Conflict("the application holds no seat or waitlist place in this cohort")
        self.enrolled.remove(application_id)
        return ApplicationStatus.ENROLLED, self.fill_free_seats()

    def fill_free_seats(self) -> list[str]:
        promoted = []
        while self.seats_free > 0 and self.waitlist:
            head = self.waitlist.pop(0)
            self.enrolled.append(head)
            promoted.append(head)
        return promoted

    def status_of(self, application_id: str) -> tuple[ApplicationStatus | None, int | None]:
        if application_id in self.enrolled:
            return ApplicationStatus.ENROLLED, None
        if application_id in self.waitlist:
            return ApplicationStatus.WAITLISTED, self.waitlist.index(application_id) + 1
        return None, None


def cohort_status(*, manual: CohortStatus | None, opens_at: datetime, closes_at: datetime, seats_free: int,
                  now: datetime) -> CohortStatus:
    """Derived where it can be: before the window planned, inside it open or full, after it closed.

    A coordinator's explicit running/completed/closed state wins over the derived one.
    """
    if manual in (CohortStatus.CLOSED, CohortStatus.RUNNING, CohortStatus.COMPLETED):
        return manual
    if now < opens_at:
        return CohortStatus.PLANNED
    if now >= closes_at:
        return CohortStatus.CLOSED
    return CohortStatus.FULL if seats_free == 0 else CohortStatus.OPEN


def check_application_allowed(*, programme_archived: bool, status: CohortStatus, opens_at: datetime,
                              closes_at: datetime, now: datetime) -> None:
    if programme_archived:
        raise Conflict("the programme is archived and takes no applications")
    if status in (CohortStatus.CLOSED, CohortStatus.RUNNING, CohortStatus.COMPLETED):
        raise Conflict(f"the cohort is {status.value} and takes no applications")
    if not opens_at <= now < closes_at:
        raise RuleViolation(
            f"applications are accepted from {opens_at.isoformat()} until {closes_at.isoformat()}"
        )
