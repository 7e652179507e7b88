"""Programme rules: an archived programme is kept for the record but changes no more.

Programmes are archived instead of deleted: cohorts, applications and events refer to
them, and integrators must still be able to resolve the id years later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samla_enrollment.domain.errors import Conflict, RuleViolation

# What a coordinator may change after publishing. The owning network stays: the
# programme's cohorts and events were issued under it.
UPDATABLE = frozenset({
    "code", "title", "description", "target_group", "language", "requires_manager_approval",
    "facilitates_outside_own_unit", "relevant_education_preferred", "fee", "curriculum_method_ids",
    "gathering_plan", "completion_rule", "accepts_anonymous_applications", "offer_days", "approval_steps",
    "approval_expires_days",
})


def ensure_active(programme: Mapping[str, Any], action: str) -> None:
    if programme.get("archived"):
        raise Conflict(f"the programme is archived; {action}")


def changed_fields(programme: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The requested changes that differ from the current programme (an empty dict means nothing to do)."""
    unknown = changes.keys() - UPDATABLE
    if unknown:
        raise RuleViolation(f"{', '.join(sorted(unknown))} cannot be changed after publishing")
    return {name: value for name, value in changes.items() if programme.get(name) != value}
