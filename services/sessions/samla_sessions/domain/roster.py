"""Roster rules: who belongs to a cohort, as told by enrollment's events.

A roster entry moves forward only: each change carries the cohort's own sequence number
(`cohort_sequence`) and an entry never goes back to an older one. That makes applying
the events idempotent and safe under redelivery, whatever is delivered twice.
"""

from __future__ import annotations

from enum import StrEnum


class RosterStatus(StrEnum):
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"
