"""What enrollment's integration events carry, taken from its documents: ids and facts, never names.

The contract models (samla_shared.contract.enrollment) say what an event is; these
helpers say where each field comes from, so every use case fills them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationSubmitted,
    CompletionRule,
    PlannedGathering,
)
from samla_enrollment.domain.applications import BY_PROGRAMME_POLICY


def application_ids(application: Mapping[str, Any]) -> dict[str, str]:
    """The identifying fields every application event shares."""
    return {
        "network_id": application["network_id"],
        "cohort_id": application["cohort_id"],
        "programme_id": application["programme_id"],
        "application_id": application["_id"],
        "participant_id": application["participant_id"],
        "organisation_id": application["organisation_id"],
        "unit_id": application["unit_id"],
    }


def submission_announced(application: Mapping[str, Any]) -> list[Any]:
    """ApplicationSubmitted, plus ApplicationApproved when the programme needs no manager approval."""
    ids = application_ids(application)
    requires_approval = application["requires_manager_approval"]
    events: list[Any] = [ApplicationSubmitted(**ids, manager_id=application["manager_id"],
                                              requires_manager_approval=requires_approval,
                                              team_id=application.get("team_id"))]
    if not requires_approval:
        events.append(ApplicationApproved(**ids, approved_by=BY_PROGRAMME_POLICY))
    return events


def programme_facts(programme: Mapping[str, Any]) -> dict[str, Any]:
    """The whole current state of a programme as ProgrammePublished/ProgrammeUpdated carry it."""
    return {
        "network_id": programme["network_id"],
        "programme_id": programme["_id"],
        "code": programme["code"],
        "title": programme["title"],
        "language": programme["language"],
        "curriculum_method_ids": programme.get("curriculum_method_ids", []),
        "gathering_plan": [PlannedGathering(**step) for step in programme.get("gathering_plan", [])],
        "completion_rule": CompletionRule(**programme.get("completion_rule", {})),
    }
