"""Competences per staff type, free of I/O: what each staff group must know, who has it, and the gaps.

An organisation names its staff types (social and health assistants, helpers, nurses,
leaders, ...) and the competences each requires; competences are ids shared within a
network, so a programme can confer them. A person holds a competence from each completion
of a programme that confers it; coverage compares, per staff type, what is required with
what its members hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samla_measures.domain.errors import RuleViolation

MAX_STAFF_TYPES = 50
MAX_COMPETENCES = 50


def check_staff_types(staff_types: Mapping[str, Any]) -> None:
    if len(staff_types) > MAX_STAFF_TYPES:
        raise RuleViolation(f"an organisation has at most {MAX_STAFF_TYPES} staff types")


def held_competences(person: Mapping[str, Any] | None) -> set[str]:
    """The competences a person holds now: those conferred by completions that stand."""
    if not person:
        return set()
    return {c for completion in person.get("completions", {}).values() for c in completion["competence_ids"]}


def coverage(frame: Mapping[str, Any], people: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per staff type: its members, for each required competence how many hold it, and who misses what."""
    members: dict[str, list[str]] = {}
    for person_id, staff_type in sorted(frame.get("staff", {}).items()):
        members.setdefault(staff_type, []).append(person_id)
    result = []
    for type_id, staff_type in sorted(frame.get("staff_types", {}).items()):
        required = staff_type["competence_ids"]
        team = members.get(type_id, [])
        held = {p: held_competences(people.get(p)) for p in team}
        per_competence = [{"competence_id": c, "holders": sum(c in h for h in held.values()),
                           "coverage_percent": round(100 * sum(c in h for h in held.values()) / len(team), 1)
                           if team else None} for c in required]
        gaps = [{"person_id": p, "missing": [c for c in required if c not in held[p]]} for p in team]
        gaps = [g for g in gaps if g["missing"]]
        fully = len(team) - len(gaps)
        result.append({"staff_type_id": type_id, "name": staff_type["name"], "required": required,
                       "members": len(team), "fully_covered": fully,
                       "coverage_percent": round(100 * fully / len(team), 1) if team else None,
                       "competences": per_competence, "gaps": gaps})
    return result
