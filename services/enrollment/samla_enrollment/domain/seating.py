"""The seats and the queue of one cohort: who holds a seat, who waits, and in which order.

This is the single source of truth for placement. It lives in the cohort document, so a
placement, the promotions it causes and the events describing them are one write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from samla_enrollment.domain.errors import Conflict, RuleViolation


class Placement(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"


@dataclass
class Seating:
    capacity: int
    enrolled: list[str] = field(default_factory=list)
    waitlist: list[str] = field(default_factory=list)

    @property
    def seats_taken(self) -> int:
        return len(self.enrolled)

    @property
    def seats_free(self) -> int:
        return max(self.capacity - len(self.enrolled), 0)

    def place(self, application_id: str) -> tuple[Placement, int | None]:
        """Give the applicant a free seat, or the next place in the queue (positions start at 1)."""
        if application_id in self.enrolled or application_id in self.waitlist:
            raise Conflict("the application is already placed in this cohort")
        if self.seats_free > 0:
            self.enrolled.append(application_id)
            return Placement.ENROLLED, None
        self.waitlist.append(application_id)
        return Placement.WAITLISTED, len(self.waitlist)

    def next_place(self) -> tuple[Placement, int | None]:
        """Where the next applicant would go, without placing anyone."""
        if self.seats_free > 0:
            return Placement.ENROLLED, None
        return Placement.WAITLISTED, len(self.waitlist) + 1

    def withdraw(self, application_id: str) -> tuple[Placement, list[str]]:
        """Remove the applicant. A freed seat goes to the head of the queue at once.

        Returns where the applicant was, and who was promoted (in queue order).
        """
        if application_id in self.waitlist:
            self.waitlist.remove(application_id)
            return Placement.WAITLISTED, []
        if application_id not in self.enrolled:
            raise Conflict("the application holds no seat or waitlist place in this cohort")
        self.enrolled.remove(application_id)
        return Placement.ENROLLED, self._fill_free_seats()

    def resize(self, capacity: int) -> list[str]:
        """Change the number of seats; extra seats go to the head of the queue. Returns who was promoted.

        Shrinking below the seats already taken is refused rather than unseating people:
        nobody loses a confirmed seat because a coordinator changed a number.
        """
        if capacity < 1:
            raise RuleViolation("a cohort needs at least one seat")
        if capacity < self.seats_taken:
            raise Conflict(f"{self.seats_taken} participants hold seats; the capacity cannot go below that",
                           seats_taken=self.seats_taken)
        self.capacity = capacity
        return self._fill_free_seats()

    def where(self, application_id: str) -> tuple[Placement | None, int | None]:
        """Where the applicant is: a seat, a queue position, or (None, None) when not placed."""
        if application_id in self.enrolled:
            return Placement.ENROLLED, None
        if application_id in self.waitlist:
            return Placement.WAITLISTED, self.waitlist.index(application_id) + 1
        return None, None

    def positions(self) -> dict[str, int]:
        """Queue position of every waiting applicant, for reading many at once."""
        return {application_id: i for i, application_id in enumerate(self.waitlist, start=1)}

    def _fill_free_seats(self) -> list[str]:
        promoted = []
        while self.seats_free > 0 and self.waitlist:
            head = self.waitlist.pop(0)
            self.enrolled.append(head)
            promoted.append(head)
        return promoted
