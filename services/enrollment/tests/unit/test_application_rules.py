"""Application rules: who may apply when, the manager's decision, withdrawals and the state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.domain.applications import (
    ApplicationStatus as S,
)
from samla_enrollment.domain.applications import (
    check_applicant,
    check_decision,
    check_submission,
    check_withdrawal,
    ensure_transition,
    shown_status,
)
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.seating import Placement

OPENS = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
WINDOW = ApplicationWindow(OPENS, OPENS + timedelta(days=30))


def submit(*, archived: bool = False, status: CohortStatus = CohortStatus.OPEN,
           now: datetime = OPENS + timedelta(days=1)) -> None:
    check_submission(programme_archived=archived, cohort_status=status, window=WINDOW, now=now)


def test_anyone_may_apply_to_an_open_or_full_cohort_within_the_window():
    submit()
    submit(status=CohortStatus.FULL)


def test_an_archived_programme_and_a_closed_cohort_are_conflicts():
    with pytest.raises(Conflict, match="archived"):
        submit(archived=True)
    with pytest.raises(Conflict, match="the cohort is closed"):
        submit(status=CohortStatus.CLOSED)
    with pytest.raises(Conflict, match="running"):
        submit(status=CohortStatus.RUNNING)


def test_outside_the_window_the_refusal_gives_the_window():
    with pytest.raises(RuleViolation, match="accepted from 2027-01-04 09:00 until 2027-02-03 09:00"):
        submit(status=CohortStatus.PLANNED, now=OPENS - timedelta(hours=1))
    with pytest.raises(RuleViolation, match="it is 2027-02-03 09:00 now"):
        submit(status=CohortStatus.CLOSED, now=WINDOW.closes_at)


def test_the_manager_is_someone_else_and_facilitation_is_for_other_units():
    with pytest.raises(RuleViolation, match="someone other than the applicant"):
        check_applicant(participant_email="Kari@x.no", manager_email="kari@x.no", unit_id="u1",
                        facilitator_unit_ids=[], facilitates_outside_own_unit=True)
    with pytest.raises(RuleViolation, match="u1 is the applicant's own unit"):
        check_applicant(participant_email="kari@x.no", manager_email="per@x.no", unit_id="u1",
                        facilitator_unit_ids=["u2", "u1"], facilitates_outside_own_unit=True)
    check_applicant(participant_email="kari@x.no", manager_email="per@x.no", unit_id="u1",
                    facilitator_unit_ids=["u1"], facilitates_outside_own_unit=False)


def decide(*, status: S = S.AWAITING_MANAGER_APPROVAL, approve: bool = True, reason: str | None = None) -> S:
    # Who may decide is checked from the token at the entrypoint (tests/integration/test_identity_api.py).
    return check_decision(status=status, approve=approve, reason=reason)


def test_a_leader_approves_or_declines_once_with_a_reason():
    assert decide() is S.APPROVED
    assert decide(approve=False, reason="no cover") is S.DECLINED
    with pytest.raises(RuleViolation, match="needs a reason"):
        decide(approve=False)
    with pytest.raises(Conflict, match="not awaiting approval"):
        decide(status=S.ENROLLED)


def test_withdrawal_is_possible_until_the_end_but_not_twice_and_not_from_a_completed_cohort():
    for status in (S.AWAITING_MANAGER_APPROVAL, S.APPROVED, S.ENROLLED, S.WAITLISTED):
        check_withdrawal(status=status, cohort_status=CohortStatus.RUNNING)
    for final in (S.WITHDRAWN, S.DECLINED):
        with pytest.raises(Conflict, match=f"already {final.value}"):
            check_withdrawal(status=final, cohort_status=CohortStatus.OPEN)
    with pytest.raises(Conflict, match="completed"):
        check_withdrawal(status=S.ENROLLED, cohort_status=CohortStatus.COMPLETED)


@pytest.mark.parametrize(("current", "target"), [
    (S.SUBMITTED, S.ENROLLED), (S.AWAITING_MANAGER_APPROVAL, S.ENROLLED), (S.ENROLLED, S.WAITLISTED),
    (S.DECLINED, S.APPROVED), (S.WITHDRAWN, S.ENROLLED),
])
def test_transitions_outside_the_state_machine_are_refused(current, target):
    with pytest.raises(Conflict):
        ensure_transition(current, target)


def test_an_approved_application_shows_its_place_once_it_has_one():
    assert shown_status("approved", None) is S.APPROVED
    assert shown_status("approved", Placement.WAITLISTED) is S.WAITLISTED
    assert shown_status("withdrawn", Placement.ENROLLED) is S.WITHDRAWN, "intent wins while the seat is released"
