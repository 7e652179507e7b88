"""Competences per staff type, free of I/O: what each staff group must know, who has it, and the gaps.

An organisation names its staff types (social and health assistants, helpers, nurses,
leaders, ...) and the competences each requires; competences are ids shared within a
network, so a programme can confer them. A person holds a competence from each completion
of a programme that confers it; coverage compares, per staff type, what is required with
what its members hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from samla_measures.domain.errors import RuleViolation

MAX_STAFF_TYPES = 50
MAX_COMPETENCES = 50


@dataclass(frozen=True)
class StaffType:
    name: str
    competence_ids: list[str]  # what its members must hold


@dataclass(frozen=True)
class CompetenceFrame:
    """An organisation's staff types and which member of staff is of which type (one per organisation)."""

    organisation_id: str
    network_id: str
    staff_types: dict[str, StaffType] = field(default_factory=dict)  # by staff type id
    staff: dict[str, str] = field(default_factory=dict)  # person id -> staff type id
    # The version read: a write succeeds only if nobody wrote the frame since.
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.organisation_id


@dataclass(frozen=True)
class ConferredCompetences:
    """What completing a programme (or theme day) confers, from the completions after it was set."""

    programme_id: str
    network_id: str
    competence_ids: list[str]
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.programme_id


@dataclass(frozen=True)
class Completion:
    """One cohort a person completed, and the competences it conferred."""

    programme_id: str
    organisation_id: str
    network_id: str
    completed_at: datetime
    competence_ids: list[str]


@dataclass(frozen=True)
class CompetenceHolder:
    """A person's completions that stand, by cohort id (a revoked completion is taken out)."""

    person_id: str
    completions: dict[str, Completion] = field(default_factory=dict)
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.person_id


def check_staff_types(staff_types: Mapping[str, Any]) -> None:
    if len(staff_types) > MAX_STAFF_TYPES:
        raise RuleViolation(f"an organisation has at most {MAX_STAFF_TYPES} staff types")


def held_competences(person: CompetenceHolder | None) -> set[str]:
    """The competences a person holds now: those conferred by completions that stand."""
    if not person:
        return set()
    return {c for completion in person.completions.values() for c in completion.competence_ids}


def coverage(frame: CompetenceFrame, people: Mapping[str, CompetenceHolder]) -> list[dict[str, Any]]:
    """Per staff type: its members, for each required competence how many hold it, and who misses what."""
    members: dict[str, list[str]] = {}
    for person_id, staff_type in sorted(frame.staff.items()):
        members.setdefault(staff_type, []).append(person_id)
    result = []
    for type_id, staff_type in sorted(frame.staff_types.items()):
        required = staff_type.competence_ids
        team = members.get(type_id, [])
        held = {p: held_competences(people.get(p)) for p in team}
        per_competence = [{"competence_id": c, "holders": sum(c in h for h in held.values()),
                           "coverage_percent": round(100 * sum(c in h for h in held.values()) / len(team), 1)
                           if team else None} for c in required]
        gaps = [{"person_id": p, "missing": [c for c in required if c not in held[p]]} for p in team]
        gaps = [g for g in gaps if g["missing"]]
        fully = len(team) - len(gaps)
        result.append({"staff_type_id": type_id, "name": staff_type.name, "required": required,
                       "members": len(team), "fully_covered": fully,
                       "coverage_percent": round(100 * fully / len(team), 1) if team else None,
                       "competences": per_competence, "gaps": gaps})
    return result
