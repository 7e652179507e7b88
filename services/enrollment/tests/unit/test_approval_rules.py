"""Approval chains: who holds a step, what a chain must say, and the reason every decision in one gives."""

from __future__ import annotations

import pytest

from samla_enrollment.domain.approvals import (
    check_chain,
    check_chain_reason,
    current_step,
    holds_step,
    next_holders,
)
from samla_enrollment.domain.errors import RuleViolation

LEADER = {"kind": "leader", "approver_ids": [], "deputy_ids": ["leader-deputy"]}
HR = {"kind": "hr", "approver_ids": ["hanne"], "deputy_ids": ["per"]}


def test_the_leader_step_is_held_by_reach_and_later_steps_by_name_and_deputies_always():
    assert holds_step(LEADER, ["someone"], reaches_as_leader=True)
    assert not holds_step(LEADER, ["someone"], reaches_as_leader=False)
    assert holds_step(LEADER, ["leader-deputy"], reaches_as_leader=False)
    assert holds_step(HR, ["hanne"], reaches_as_leader=False) and holds_step(HR, ["per"], reaches_as_leader=False)
    assert not holds_step(HR, ["someone"], reaches_as_leader=True), "a leader does not hold HR's step"
    assert next_holders(HR) == ["hanne", "per"]


def test_an_application_without_a_chain_has_the_one_leader_step():
    index, step = current_step({"approval_steps": None})
    assert (index, step["kind"]) == (0, "leader")
    assert current_step({"approval_steps": [LEADER, HR], "approval_step": 1}) == (1, HR)


@pytest.mark.parametrize("steps, message", [
    ([HR], "starts with the applicant's leader"),
    ([LEADER, {"kind": "named", "approver_ids": []}], "names nobody"),
    ([LEADER, LEADER], "leader approves once"),
    ([LEADER, HR, HR, HR, HR, HR], "at most 5"),
])
def test_a_chain_starts_with_the_leader_and_names_who_holds_each_later_step(steps, message):
    with pytest.raises(RuleViolation, match=message):
        check_chain(steps)


def test_every_decision_in_a_chain_has_a_reason_but_a_single_approval_need_not():
    check_chain_reason([LEADER], None)
    with pytest.raises(RuleViolation, match="reason"):
        check_chain_reason([LEADER, HR], "  ")
