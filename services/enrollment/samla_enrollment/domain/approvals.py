"""Approval chains: the ordered steps an application passes before it takes a place.

A programme may set `approval_steps`, e.g. the applicant's leader, then the programme
owner, or HR, or a named approver. Each step is held by its approvers (for the leader
step: the named manager and the leaders whose organisation or units cover the
application, as for a single approval) and by its deputies, who may decide in their
stead. Each decision in a chain gives a reason. Only the last step's approval approves
the application; a decline at any step ends it. A programme without steps has the one
leader step it always had. The chain is copied onto the application when it is
submitted, so changing the programme later does not change the rules under a waiting
application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from samla_enrollment.domain.errors import RuleViolation

BY_APPROVAL_EXPIRY = "approval-expiry"  # nobody decided before the application's approval deadline
MAX_STEPS = 5


class StepKind(StrEnum):
    LEADER = "leader"
    PROGRAMME_OWNER = "programme_owner"
    HR = "hr"
    NAMED = "named"


LEADER_STEP: dict[str, Any] = {"kind": StepKind.LEADER.value, "approver_ids": [], "deputy_ids": []}


def check_chain(steps: Sequence[Mapping[str, Any]]) -> None:
    """A programme's chain: the applicant's leader first, then steps that name who holds them."""
    if not steps:
        return
    if len(steps) > MAX_STEPS:
        raise RuleViolation(f"an approval chain has at most {MAX_STEPS} steps")
    if steps[0]["kind"] != StepKind.LEADER.value:
        raise RuleViolation("an approval chain starts with the applicant's leader")
    for number, step in enumerate(steps[1:], start=2):
        if step["kind"] == StepKind.LEADER.value:
            raise RuleViolation(f"step {number}: the leader approves once, as the first step")
        if not step.get("approver_ids"):
            raise RuleViolation(f"step {number} ({step['kind']}) names nobody to approve it (`approver_ids`)")


def chain_of(application: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The application's steps (applications from before chains existed have the one leader step)."""
    return list(application.get("approval_steps") or [LEADER_STEP])


def current_step(application: Mapping[str, Any]) -> tuple[int, Mapping[str, Any]]:
    """The index of the step waiting for a decision, and the step."""
    index = application.get("approval_step", 0)
    return index, chain_of(application)[index]


def holds_step(step: Mapping[str, Any], person_ids: Iterable[str], *, reaches_as_leader: bool) -> bool:
    """May this caller decide the step? A deputy always; the leader step by reach; other steps by name."""
    mine = set(person_ids)
    if mine & set(step.get("deputy_ids", [])):
        return True
    if step["kind"] == StepKind.LEADER.value:
        return reaches_as_leader
    return bool(mine & set(step.get("approver_ids", [])))


def next_holders(step: Mapping[str, Any]) -> list[str]:
    """Who is asked to decide a step named by id (the leader step's holders are the application's manager)."""
    return list(dict.fromkeys([*step.get("approver_ids", []), *step.get("deputy_ids", [])]))


def check_chain_reason(steps: Sequence[Mapping[str, Any]], reason: str | None) -> None:
    if len(steps) > 1 and not (reason and reason.strip()):
        raise RuleViolation("each decision in an approval chain needs a reason the applicant and the next "
                            "approver can read")
