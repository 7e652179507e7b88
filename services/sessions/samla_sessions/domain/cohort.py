"""A cohort and its programme as sessions knows them: the facts enrollment's events told it.

Sessions never reads enrollment's database; it keeps the latest CohortOpened and
ProgrammePublished/Updated it heard (service_layer/roster_projection.py), and plans,
prints and decides completion from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from samla_shared.contract.enrollment import CompletionRule, PlannedGathering


@dataclass(frozen=True)
class KnownProgramme:
    programme_id: str
    title: str = ""
    language: str = "nb"
    gathering_plan: tuple[PlannedGathering, ...] = ()
    completion_rule: CompletionRule = field(default_factory=CompletionRule)
    curriculum_method_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnownCohort:
    cohort_id: str
    programme_id: str
    network_id: str
    time_zone: str
    term: str = ""
    location: str | None = None  # where its in-person sessions are, unless a session says otherwise
    starts_on: date | None = None
