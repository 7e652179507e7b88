"""What the CohortWriter holds of a cohort, and what one batch of commands does to it before the one write.

A batch applies its commands to the cohort's seating in memory, gathers the events and
audit entries they cause, and is written as one document write (see CohortWriter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from samla_shared.contract import event_class
from samla_shared.contract.base import IntegrationEvent
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus, cohort_status, has_started
from samla_enrollment.domain.seating import Queue, Seating
from samla_enrollment.service_layer.integration_events import submission_announced


def queue_of(cohort: dict[str, Any]) -> Queue:
    """The queue a cohort stores: its log (as read, see EnrollmentStore.cohort), head and places left."""
    if "waitlist" in cohort:  # stored before the queue was paged: the list of those waiting
        return Queue(cohort["waitlist"])
    return Queue(cohort.get("waitlist_log", ()), cohort.get("waitlist_head", 0), cohort.get("waitlist_left", ()))


def seating_of(cohort: dict[str, Any]) -> Seating:
    """The seating a cohort document stores."""
    return Seating(cohort["capacity"], list(cohort["enrolled"]), queue_of(cohort),
                   {offer["application_id"]: offer["expires_at"] for offer in cohort.get("offers", [])},
                   {team: list(members) for team, members in cohort.get("teams", {}).items()},
                   count_teams=cohort.get("capacity_unit") == "teams")


def announced_events(application: dict[str, Any]) -> list[IntegrationEvent]:
    """The events an application's write announced for a cohort write (see `CohortBatch.announcement`)."""
    announce = application["announce"]
    if announce.get("submission"):
        return submission_announced(application)
    return [event_class(e["type"]).model_validate(e["data"]) for e in announce["events"]]


@dataclass
class CohortState:
    """What the writer knows of a cohort between batches (it is the cohort's only writer)."""

    # The document without outbox and audit trail, as the last prepared batch leaves it
    # (its write may still be under way; if it fails, the whole state is dropped).
    cohort: dict[str, Any]
    participants: set[str] = field(default_factory=set)  # who applied, to refuse duplicates before inserting


class CohortBatch:
    """What one batch does to a cohort, gathered in memory and written at once."""

    def __init__(self, state: CohortState, now: datetime) -> None:
        cohort = state.cohort
        self.state = state
        self.now = now
        self.seating = seating_of(cohort)
        # Applications waiting for a decision that expire, and when (programmes with approval_expires_days).
        self.approval_deadlines: dict[str, datetime] = {
            d["application_id"]: d["expires_at"] for d in cohort.get("approval_deadlines", [])}
        self.manual_status = CohortStatus(cohort["manual_status"]) if cohort.get("manual_status") else None
        self.window = ApplicationWindow(cohort["applications_open_at"], cohort["applications_close_at"],
                                        cohort.get("time_zone", "Europe/Oslo"))
        self.sequence: int = cohort.get("seat_sequence", cohort["version"])
        self.version: int = cohort["version"]  # the cohort version the write is conditional on
        self.new_version = self.version + 1  # the version it writes; reconciliation may move it further
        self.participants = set(state.participants)
        self.events: list[IntegrationEvent] = []
        self.audit: list[dict[str, Any]] = []
        # Cohorts written before the seat counters existed get them at their first batch.
        self.changed = "seats_free" not in cohort
        # How much of the queue log is stored; a cohort from before the paged queue has it all to write.
        self.unpaged = "waitlist" in cohort
        self.stored_log = 0 if self.unpaged else cohort.get("waitlist_log_length", 0)

    @property
    def cohort(self) -> dict[str, Any]:
        return self.state.cohort

    def status(self) -> CohortStatus:
        return cohort_status(manual=self.manual_status, window=self.window, seats_free=self.seating.seats_free,
                             now=self.now)

    def started(self) -> bool:
        return has_started(status=self.status(), starts_on=self.cohort.get("starts_on"),
                           time_zone=self.window.time_zone, now=self.now)

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def announcement(self, events: Sequence[IntegrationEvent]) -> dict[str, Any]:
        """The record of `events` kept in the application's own write: what this batch's cohort write will carry."""
        return {"version": self.new_version,
                "events": [{"type": event.event_type(), "data": event.payload()} for event in events]}

    def submission_announcement(self) -> dict[str, Any]:
        """The same for a new application's own events, which are derived from it again when needed
        (see `announced_events`): two thousand applications in a rush need not each carry two events' data."""
        return {"version": self.new_version, "submission": True}

    def fields(self) -> dict[str, Any]:
        seating = self.seating
        queue = seating.waitlist
        return {
            "enrolled": seating.enrolled, "capacity": seating.capacity,
            "seats_taken": seating.seats_taken, "seats_free": seating.seats_free,
            # The queue's log is in slices of its own (see `pages`); the cohort keeps where it stands.
            "waitlist_head": queue.head, "waitlist_left": sorted(queue.left), "waitlist_log_length": len(queue.log),
            "waitlist_length": len(queue), "seat_sequence": self.sequence,
            # The offer watch finds cohorts by this, so the deadlines survive a restart.
            "offers": [{"application_id": a, "expires_at": at} for a, at in seating.offers.items()],
            "seats_on_offer": len(seating.offers), "next_offer_expires_at": seating.next_deadline,
            "teams": seating.teams,
            "approval_deadlines": [{"application_id": a, "expires_at": at} for a, at in self.approval_deadlines.items()],
            "next_approval_expires_at": min(self.approval_deadlines.values(), default=None),
            "manual_status": self.manual_status.value if self.manual_status else None,
        }

    def pages(self, size: int) -> dict[int, list[str]]:
        """The slices of `size` places of the queue log this batch appended to (written before the
        cohort, which commits them): a bounded write however long the queue is."""
        log = self.seating.waitlist.log
        if len(log) <= self.stored_log:
            return {}
        first, last = self.stored_log // size, (len(log) - 1) // size
        return {n: log[n * size:(n + 1) * size] for n in range(first, last + 1)}  # type: ignore[misc]

    @property
    def unset(self) -> tuple[str, ...]:
        return ("waitlist",) if self.unpaged else ()

    @property
    def needs_writing(self) -> bool:
        return self.changed or bool(self.events)

    def prepared(self) -> None:
        """Everything but the cohort write is done: the next batch builds on this one."""
        if self.needs_writing:
            cohort = {key: value for key, value in self.cohort.items() if key != "waitlist"}
            # The log only grows at its end, so the next batch's copy starts from this one's.
            self.state.cohort = cohort | self.fields() | {"version": self.new_version,
                                                          "waitlist_log": list(self.seating.waitlist.log)}
        self.state.participants = self.participants
