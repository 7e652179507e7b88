"""Roster rules: who belongs to a cohort, as told by enrollment's events.

A roster entry moves forward only: each change carries the cohort's own sequence number
(`cohort_sequence`) and an entry never goes back to an older one. That makes applying
the events idempotent and safe under redelivery, whatever is delivered twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RosterStatus(StrEnum):
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class RosterEntry:
    """One application's place in a cohort, as the newest event about it told it."""

    cohort_id: str
    application_id: str
    participant_id: str
    organisation_id: str
    unit_id: str
    network_id: str
    status: str  # a RosterStatus value
    via: str | None = None
    enrolled_at: datetime | None = None
