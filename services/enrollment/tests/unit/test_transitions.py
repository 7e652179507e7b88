"""What the cohort writer's commands do to an application and to the cohort: checks, new status, history entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.domain.applications import ApplicationStatus as S
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.seating import Placement, Seating, offer_deadline
from samla_enrollment.domain.transitions import (
    application_view,
    approval_deadline,
    approval_expiry_entry,
    change_capacity,
    change_status,
    check_free_seat_offer,
    check_offer_answer,
    decide,
    free_seat_offered_entry,
    held_seat_entry,
    new_application,
    offer_accepted_entry,
    offer_declined_entry,
    offer_entry,
    offer_expired_entry,
    offer_too_late,
    placement_entry,
    promotion_entry,
    team_placement_reason,
    transfer_out,
    withdrawal,
)

NOW = datetime(2027, 1, 10, 9, 0, 0, 123456, tzinfo=UTC)
WINDOW = ApplicationWindow(NOW - timedelta(days=5), NOW + timedelta(days=20))
COHORT = {"_id": "c1", "network_id": "n1"}
FORM = {"participant": {"email": "ada@example.org", "role": "nurse", "education": "BSc", "experience": "5 years"},
        "manager": {"email": "boss@example.org"}, "organisation_id": "o1", "unit_id": "u1",
        "motivation": "to learn", "facilitator_unit_ids": ["u2"]}
TWO_STEPS = [{"kind": "leader", "approver_ids": [], "deputy_ids": []},
             {"kind": "hr", "approver_ids": ["hr-1"], "deputy_ids": ["hr-2"]}]


def application(status: S = S.AWAITING_MANAGER_APPROVAL, **more: object) -> dict:
    return {"_id": "a1", "cohort_id": "c1", "participant_id": "p1", "status": status.value, **more}


def submitted(programme: dict, team: tuple[str, str] | None = None) -> dict:
    return new_application(application_id="a1", now=NOW, cohort=COHORT, programme={"_id": "pr1", **programme},
                           form=FORM, participant_id="p1", manager_id="m1", team=team)


# -- submission ---------------------------------------------------------------------------------

def test_a_submission_waits_for_the_manager_with_both_steps_in_its_history():
    made = submitted({"approval_steps": TWO_STEPS})
    assert made["status"] == S.AWAITING_MANAGER_APPROVAL.value and made["requires_manager_approval"] is True
    assert made["approval_steps"] == TWO_STEPS and made["approval_step"] == 0
    assert [(e["by"], e["from"], e["to"]) for e in made["history"]] == [
        ("p1", None, "submitted"), ("p1", "submitted", "awaiting_manager_approval")]
    assert made["history"][1]["reason"] == "the programme requires the manager's approval"
    assert (made["cohort_id"], made["network_id"], made["programme_id"], made["manager_id"]) == ("c1", "n1", "pr1", "m1")


def test_a_programme_without_manager_approval_approves_at_once_by_its_policy():
    made = submitted({"requires_manager_approval": False, "approval_steps": TWO_STEPS})
    assert made["status"] == S.APPROVED.value and made["approval_steps"] is None
    assert made["history"][1]["by"] == "programme-policy"
    assert made["history"][1]["reason"] == "the programme needs no manager approval"


def test_a_team_member_has_the_leaders_one_decision_not_the_programmes_chain():
    made = submitted({"approval_steps": TWO_STEPS}, team=("t1", "leader"))
    assert made["approval_steps"] is None and (made["team_id"], made["team_role"]) == ("t1", "leader")


def test_an_approval_deadline_only_where_the_programme_sets_one_and_a_manager_decides():
    assert approval_deadline({"approval_expires_days": 2}, NOW) == offer_deadline(NOW, 2)
    assert approval_deadline({}, NOW) is None
    assert approval_deadline({"requires_manager_approval": False, "approval_expires_days": 2}, NOW) is None


def test_deadlines_are_kept_to_the_millisecond_as_stored():
    assert offer_deadline(NOW, 3) == datetime(2027, 1, 13, 9, 0, 0, 123000, tzinfo=UTC)


# -- decisions ----------------------------------------------------------------------------------

def test_a_single_step_approval_approves_and_its_entry_names_no_step():
    decision = decide(application(), None, approve=True, by="m1", reason=None, step=None,
                      cohort_status=CohortStatus.OPEN, now=NOW)
    assert decision.target is S.APPROVED and not decision.moves_on
    assert decision.entry() == {"at": NOW, "by": "m1", "from": "awaiting_manager_approval", "to": "approved",
                                "reason": None}


def test_approving_a_step_that_is_not_the_last_moves_the_application_on_and_keeps_its_status():
    decision = decide(application(approval_steps=TWO_STEPS), None, approve=True, by="m1", reason="fine",
                      step=0, cohort_status=CohortStatus.OPEN, now=NOW)
    assert decision.moves_on and decision.next_step["kind"] == "hr"
    assert decision.step_entry() == {"at": NOW, "by": "m1", "from": "awaiting_manager_approval",
                                     "to": "awaiting_manager_approval", "reason": "fine", "step": 1,
                                     "step_kind": "leader"}


def test_the_last_step_of_a_chain_approves_and_says_which_step_it_was():
    decision = decide(application(approval_steps=TWO_STEPS, approval_step=1), None, approve=True, by="hr-2",
                      reason="ok", step=None, cohort_status=CohortStatus.OPEN, now=NOW)
    assert not decision.moves_on
    assert decision.entry()["to"] == "approved" and (decision.entry()["step"], decision.entry()["step_kind"]) == (2, "hr")


def test_a_decision_for_a_step_the_application_has_left_is_refused():
    with pytest.raises(Conflict, match="moved on to step 2"):
        decide(application(approval_steps=TWO_STEPS, approval_step=1), None, approve=True, by="m1", reason="ok",
               step=0, cohort_status=CohortStatus.OPEN, now=NOW)


def test_every_decision_in_a_chain_needs_a_reason():
    with pytest.raises(RuleViolation, match="each decision in an approval chain"):
        decide(application(approval_steps=TWO_STEPS), None, approve=True, by="m1", reason=None, step=None,
               cohort_status=CohortStatus.OPEN, now=NOW)


def test_nothing_is_approved_into_a_completed_cohort_but_a_decline_still_is_recorded():
    with pytest.raises(Conflict, match="completed"):
        decide(application(), None, approve=True, by="m1", reason=None, step=None,
               cohort_status=CohortStatus.COMPLETED, now=NOW)
    decline = decide(application(), None, approve=False, by="m1", reason="not now", step=None,
                     cohort_status=CohortStatus.COMPLETED, now=NOW)
    assert decline.target is S.DECLINED and decline.team_entry("t1")["team_id"] == "t1"


def test_an_application_that_holds_a_place_is_no_longer_decided():
    with pytest.raises(Conflict, match="not awaiting approval"):
        decide(application(S.APPROVED), Placement.ENROLLED, approve=True, by="m1", reason=None, step=None,
               cohort_status=CohortStatus.OPEN, now=NOW)


# -- withdrawal, expiry, transfer ---------------------------------------------------------------

def test_a_withdrawal_is_recorded_from_the_status_shown_and_by_the_participant_when_nobody_else_is_named():
    status, entry = withdrawal(application(S.APPROVED), Placement.WAITLISTED, by=None, reason="moved away",
                               cohort_status=CohortStatus.OPEN, now=NOW)
    assert status is S.WAITLISTED
    assert entry == {"at": NOW, "by": "p1", "from": "waitlisted", "to": "withdrawn", "reason": "moved away"}


def test_nobody_withdraws_from_a_completed_cohort_or_twice():
    with pytest.raises(Conflict, match="completed"):
        withdrawal(application(S.APPROVED), Placement.ENROLLED, by=None, reason=None,
                   cohort_status=CohortStatus.COMPLETED, now=NOW)
    with pytest.raises(Conflict, match="already withdrawn"):
        withdrawal(application(S.WITHDRAWN), None, by=None, reason=None, cohort_status=CohortStatus.OPEN, now=NOW)


def test_an_expired_approval_says_when_and_at_which_step():
    deadline = NOW - timedelta(hours=1)
    entry = approval_expiry_entry(application(approval_expires_at=deadline), NOW)
    assert (entry["by"], entry["from"], entry["to"]) == ("approval-expiry", "awaiting_manager_approval", "declined")
    assert entry["reason"] == f"no decision before {deadline.isoformat()} (step 1, leader); the application expired"


def test_only_a_placed_participant_is_transferred_and_the_entry_names_both_cohorts():
    entry = transfer_out(application(S.APPROVED), Placement.WAITLISTED, cohort_status=CohortStatus.OPEN,
                         to_cohort_id="c2", deferred=True, by="coord", reason=None, now=NOW)
    assert entry == {"at": NOW, "by": "coord", "from": "waitlisted", "to": "transferred",
                     "reason": "deferred to the next cohort", "from_cohort_id": "c1", "to_cohort_id": "c2",
                     "change": "transfer"}
    with pytest.raises(Conflict, match="only an enrolled or waitlisted participant"):
        transfer_out(application(), None, cohort_status=CohortStatus.OPEN, to_cohort_id="c2", deferred=False,
                     by="coord", reason=None, now=NOW)
    with pytest.raises(Conflict, match="completed"):
        transfer_out(application(S.APPROVED), Placement.ENROLLED, cohort_status=CohortStatus.COMPLETED,
                     to_cohort_id="c2", deferred=False, by="coord", reason=None, now=NOW)


# -- places and offers --------------------------------------------------------------------------

def test_placement_entries_say_why_a_seat_or_a_queue_place_was_given():
    assert placement_entry(NOW, Placement.ENROLLED, None) == {
        "at": NOW, "by": "seat-allocation", "from": "approved", "to": "enrolled", "reason": "a seat was free",
        "position": None}
    assert placement_entry(NOW, Placement.WAITLISTED, 3)["reason"] == "the cohort was full"
    assert placement_entry(NOW, Placement.WAITLISTED, 3, reason="placed again")["reason"] == "placed again"
    assert team_placement_reason(Placement.WAITLISTED) == "the cohort had no room for the whole team: it waits as one"


def test_seat_movements_are_recorded_by_the_rule_that_made_them_unless_a_person_did():
    deadline = NOW + timedelta(days=3)
    assert (promotion_entry(NOW, "freed")["by"], promotion_entry(NOW, "freed")["via"]) == ("waitlist-promotion",
                                                                                           "waitlist")
    assert offer_entry(NOW, deadline, by=None, reason="freed")["by"] == "waitlist-offer"
    assert offer_entry(NOW, deadline, by="coord", reason="freed") == {
        "at": NOW, "by": "coord", "from": "waitlisted", "to": "offered", "reason": "freed",
        "offer_expires_at": deadline}
    assert held_seat_entry(NOW, "a seat was freed")["reason"] == (
        "a seat was freed; the cohort has started, so a coordinator decides whether to offer the seat")


def test_an_offer_is_answered_only_while_it_stands_and_the_answer_is_recorded():
    deadline = NOW + timedelta(days=1)
    seating = Seating(1, [], [], {"a1": deadline})
    assert check_offer_answer(application(S.APPROVED), seating) == deadline
    with pytest.raises(Conflict, match="no seat is on offer to this application; it is enrolled"):
        check_offer_answer(application(S.APPROVED), Seating(1, ["a1"]))
    assert offer_too_late(deadline).extensions == {"expired_at": deadline.isoformat()}
    assert offer_accepted_entry(NOW, "p1", None)["reason"] == "accepted the offered seat"
    assert offer_declined_entry(NOW, "p1", "no")["to"] == "withdrawn"
    assert offer_expired_entry(NOW, deadline)["reason"] == f"the offered seat was not taken before {deadline.isoformat()}"


def test_a_coordinator_offers_a_free_seat_only_when_one_is_free_and_someone_waits():
    check_free_seat_offer(Seating(2, ["a1"], ["a2"]), CohortStatus.RUNNING)
    with pytest.raises(Conflict, match="no seat is free"):
        check_free_seat_offer(Seating(1, ["a1"], ["a2"]), CohortStatus.RUNNING)
    with pytest.raises(Conflict, match="nobody is waiting"):
        check_free_seat_offer(Seating(2, ["a1"]), CohortStatus.RUNNING)
    with pytest.raises(Conflict, match="completed"):
        check_free_seat_offer(Seating(2, ["a1"], ["a2"]), CohortStatus.COMPLETED)
    assert free_seat_offered_entry(NOW, "coord", None, "a2") == {
        "at": NOW, "by": "coord", "from": "free", "to": "offered", "reason": None, "change": "seat",
        "application_id": "a2"}


def test_the_reader_sees_the_seat_queue_place_and_offer_from_the_seating():
    seating = Seating(1, ["x"], ["a1"])
    view = application_view(application(S.APPROVED), seating)
    assert (view["status"], view["waitlist_position"], view["offer_expires_at"], view["current_step"]) == (
        "waitlisted", 1, None, None)
    assert application_view(application(approval_step=1), seating)["current_step"] == 2


# -- the cohort ---------------------------------------------------------------------------------

def test_a_capacity_change_resizes_the_seating_and_is_audited_and_the_same_number_changes_nothing():
    seating = Seating(2, ["a1"])
    assert change_capacity(seating, 2, cohort_status=CohortStatus.OPEN, by="coord", reason=None, now=NOW) is None
    entry = change_capacity(seating, 5, cohort_status=CohortStatus.OPEN, by="coord", reason="bigger room", now=NOW)
    assert seating.capacity == 5
    assert entry == {"at": NOW, "by": "coord", "from": "2", "to": "5", "reason": "bigger room", "change": "capacity"}
    with pytest.raises(Conflict, match="completed"):
        change_capacity(seating, 6, cohort_status=CohortStatus.COMPLETED, by="coord", reason=None, now=NOW)
    assert seating.capacity == 5


def test_a_status_change_returns_the_manual_status_to_store_and_its_audit_entry():
    manual, entry = change_status(current=CohortStatus.OPEN, manual=None, target=CohortStatus.CLOSED, window=WINDOW,
                                  by="coord", reason="venue lost", now=NOW)
    assert manual is CohortStatus.CLOSED
    assert entry == {"at": NOW, "by": "coord", "from": "open", "to": "closed", "reason": "venue lost",
                     "change": "status"}
