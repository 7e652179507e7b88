"""An application's approval chain as its page shows it, and whether the reader holds the step waiting.

Enrollment keeps the chain on the application (`approval_steps`, `current_step` counted from 1)
and records each decision in a chain in the application's history with the `step` it decided.
Here they are read back into steps a person can follow: "step 2 of 3", who decided each step
and why. Enrollment has the final say on who may decide; `holds_current_step` only spares a
person a form the service would refuse, and shows it to everyone the service would accept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from samla_portal.domain.people import COORDINATOR_ROLES, LEADER_ROLES, SignedIn

AWAITING = "awaiting_manager_approval"
BY_APPROVAL_EXPIRY = "approval-expiry"  # enrollment's rule that declines an application nobody decided in time
LEADER_STEP: Mapping[str, Any] = {"kind": "leader", "approver_ids": [], "deputy_ids": []}
# Enrollment's approval route admits leaders and coordinators; anyone else is refused whatever the chain says.
MAY_DECIDE_AT_ALL = LEADER_ROLES | COORDINATOR_ROLES


@dataclass(frozen=True)
class StepDecision:
    approved: bool
    by: str  # a person's id, or the rule that acted (approval-expiry)
    at: str
    reason: str | None
    by_me: bool = False
    as_deputy: bool = False  # decided by one of the step's deputies in its approvers' stead

    @property
    def expired(self) -> bool:
        return self.by == BY_APPROVAL_EXPIRY


@dataclass(frozen=True)
class ChainStep:
    number: int  # from 1
    kind: str  # leader, programme_owner, hr, named
    state: str  # decided, current, waiting (a later step), not_reached (the application ended before it)
    decision: StepDecision | None = None


@dataclass(frozen=True)
class ApprovalChain:
    steps: list[ChainStep]
    current: int | None  # the step waiting for a decision, from 1; None once the chain is decided

    @property
    def total(self) -> int:
        return len(self.steps)


def steps_of(application: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The application's steps (an application without a chain has the one leader step)."""
    return list(application.get("approval_steps") or [LEADER_STEP])


def is_chain(application: Mapping[str, Any]) -> bool:
    """More than one step: every decision then needs a reason (enrollment refuses one without, 422)."""
    return len(steps_of(application)) > 1


def chain_of(application: Mapping[str, Any], my_ids: Iterable[str] = ()) -> ApprovalChain | None:
    """The chain with each step's state and decision; None for the one leader approval."""
    if not is_chain(application):
        return None
    steps = steps_of(application)
    mine = set(my_ids)
    decisions: dict[int, StepDecision] = {}
    for entry in application.get("history") or []:
        number = entry.get("step")
        if entry.get("by") == BY_APPROVAL_EXPIRY and number is None:
            # The expiry names no step: it ended the one that was waiting, the one after those decided.
            number = max(decisions, default=0) + 1
        if number is None or not 1 <= number <= len(steps):
            continue
        by = str(entry.get("by") or "")
        decisions[number] = StepDecision(
            approved=entry.get("to") != "declined", by=by, at=str(entry.get("at") or ""), reason=entry.get("reason"),
            by_me=by in mine, as_deputy=by in set(steps[number - 1].get("deputy_ids") or []))
    current = application.get("current_step") if application.get("status") == AWAITING else None
    ended = any(not d.approved for d in decisions.values())
    shown = []
    for number, step in enumerate(steps, start=1):
        if number in decisions:
            state = "decided"
        elif number == current:
            state = "current"
        else:
            state = "not_reached" if ended or current is None else "waiting"
        shown.append(ChainStep(number, str(step["kind"]), state, decisions.get(number)))
    return ApprovalChain(shown, current)


def holds_current_step(person: SignedIn, my_ids: Iterable[str], application: Mapping[str, Any]) -> bool:
    """May this reader decide the step waiting? As enrollment rules it: the step's deputies always; the leader
    step a leader who reaches the application (its organisation and unit, or as its named manager); a later
    step (programme owner, HR, a named approver) the people it names, whatever their reach."""
    if application.get("status") != AWAITING or not person.is_a(MAY_DECIDE_AT_ALL):
        return False
    steps = steps_of(application)
    index = min(max(int(application.get("current_step") or 1), 1), len(steps)) - 1
    step, mine = steps[index], set(my_ids)
    if mine & set(step.get("deputy_ids") or []):
        return True
    if step["kind"] != "leader":
        return bool(mine & set(step.get("approver_ids") or []))
    if not person.is_a(LEADER_ROLES):
        return False
    if len(steps) == 1:
        # The one approval: the page opens for a leader only where enrollment lets them read it, which is
        # where they reach it.
        return True
    # In a chain a leader may read the application as the approver of a later step, without reaching it.
    return application.get("manager_id") in mine or (
        application.get("organisation_id") in person.organisations
        and (not person.units or application.get("unit_id") in person.units))
