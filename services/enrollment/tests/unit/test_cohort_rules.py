"""Cohort status and the application window: derived where it can be, set by a coordinator where it must be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus, cohort_status, set_status
from samla_enrollment.domain.errors import Conflict, RuleViolation

OPENS = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
WINDOW = ApplicationWindow(OPENS, OPENS + timedelta(days=30))
INSIDE = OPENS + timedelta(days=1)


def status(now: datetime, *, seats_free: int = 3, manual: CohortStatus | None = None) -> CohortStatus:
    return cohort_status(manual=manual, window=WINDOW, seats_free=seats_free, now=now)


def test_status_follows_the_clock_and_the_seats():
    assert status(OPENS - timedelta(minutes=1)) is CohortStatus.PLANNED
    assert status(OPENS) is CohortStatus.OPEN
    assert status(INSIDE, seats_free=0) is CohortStatus.FULL
    assert status(WINDOW.closes_at) is CohortStatus.CLOSED


def test_a_coordinators_status_wins_over_the_clock():
    assert status(INSIDE, manual=CohortStatus.CLOSED) is CohortStatus.CLOSED
    assert status(OPENS - timedelta(days=1), manual=CohortStatus.RUNNING) is CohortStatus.RUNNING


def test_the_window_is_explained_in_local_time():
    assert WINDOW.describe() == "from 2027-01-04 09:00 until 2027-02-03 09:00 (Europe/Oslo time)"
    danish = ApplicationWindow(OPENS, OPENS + timedelta(days=1), "Europe/Copenhagen")
    assert "(Europe/Copenhagen time)" in danish.describe()


def test_a_window_must_close_after_it_opens():
    with pytest.raises(RuleViolation):
        ApplicationWindow(OPENS, OPENS)


def move(target: CohortStatus, *, current: CohortStatus = CohortStatus.OPEN, manual: CohortStatus | None = None,
         now: datetime = INSIDE) -> CohortStatus | None:
    return set_status(current=current, manual=manual, target=target, window=WINDOW, now=now)


def test_a_coordinator_closes_runs_and_completes_a_cohort_in_order():
    assert move(CohortStatus.CLOSED) is CohortStatus.CLOSED
    assert move(CohortStatus.RUNNING, current=CohortStatus.CLOSED, manual=CohortStatus.CLOSED) is CohortStatus.RUNNING
    assert move(CohortStatus.COMPLETED, current=CohortStatus.RUNNING,
                manual=CohortStatus.RUNNING) is CohortStatus.COMPLETED


def test_reopening_clears_a_manual_close_only_within_the_window():
    assert move(CohortStatus.OPEN, current=CohortStatus.CLOSED, manual=CohortStatus.CLOSED) is None
    with pytest.raises(Conflict, match="has passed"):
        move(CohortStatus.OPEN, current=CohortStatus.CLOSED, manual=CohortStatus.CLOSED, now=WINDOW.closes_at)
    with pytest.raises(Conflict, match="only a cohort a coordinator closed"):
        move(CohortStatus.OPEN, current=CohortStatus.CLOSED)


@pytest.mark.parametrize(("current", "target"), [
    (CohortStatus.RUNNING, CohortStatus.CLOSED), (CohortStatus.CLOSED, CohortStatus.CLOSED),
    (CohortStatus.PLANNED, CohortStatus.RUNNING), (CohortStatus.RUNNING, CohortStatus.RUNNING),
    (CohortStatus.OPEN, CohortStatus.COMPLETED), (CohortStatus.COMPLETED, CohortStatus.RUNNING),
])
def test_moves_out_of_order_are_refused(current, target):
    with pytest.raises(Conflict):
        move(target, current=current, manual=current if current in (CohortStatus.RUNNING,
                                                                    CohortStatus.COMPLETED) else None)


@pytest.mark.parametrize("derived", [CohortStatus.PLANNED, CohortStatus.FULL])
def test_derived_states_cannot_be_set(derived):
    with pytest.raises(RuleViolation, match="cannot be set"):
        move(derived)
