"""Seat allocation rules: never oversold, a fair queue, and freed seats go to its head."""

from __future__ import annotations

import pytest

from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.seating import Placement, Seating


def test_applicants_take_free_seats_and_then_queue_in_arrival_order():
    seating = Seating(2)
    placed = [seating.place(f"a{n}") for n in range(5)]
    assert placed == [(Placement.ENROLLED, None), (Placement.ENROLLED, None), (Placement.WAITLISTED, 1),
                      (Placement.WAITLISTED, 2), (Placement.WAITLISTED, 3)]
    assert seating.seats_taken == 2 and seating.seats_free == 0


def test_nobody_is_placed_twice():
    seating = Seating(1, ["a1"])
    with pytest.raises(Conflict):
        seating.place("a1")


def test_the_next_place_is_known_before_anyone_is_placed():
    seating = Seating(1)
    assert seating.next_place() == (Placement.ENROLLED, None)
    seating.place("a1")
    assert seating.next_place() == (Placement.WAITLISTED, 1)
    assert seating.where("a2") == (None, None)


def test_a_withdrawal_from_a_seat_promotes_the_head_of_the_queue():
    seating = Seating(1, ["a1"], ["a2", "a3"])
    assert seating.withdraw("a1") == (Placement.ENROLLED, ["a2"])
    assert seating.where("a2") == (Placement.ENROLLED, None)
    assert seating.where("a3") == (Placement.WAITLISTED, 1)


def test_leaving_the_queue_promotes_nobody_and_those_behind_move_up():
    seating = Seating(1, ["a1"], ["a2", "a3", "a4"])
    assert seating.withdraw("a3") == (Placement.WAITLISTED, [])
    assert seating.positions() == {"a2": 1, "a4": 2}


def test_withdrawing_an_application_without_a_place_is_refused():
    with pytest.raises(Conflict, match="holds no seat"):
        Seating(1).withdraw("a1")


def test_more_seats_go_to_the_queue_in_order():
    seating = Seating(1, ["a1"], ["a2", "a3", "a4"])
    assert seating.resize(3) == ["a2", "a3"]
    assert seating.positions() == {"a4": 1}


def test_the_capacity_never_shrinks_below_the_seats_taken():
    seating = Seating(3, ["a1", "a2"])
    with pytest.raises(Conflict, match="2 participants hold seats"):
        seating.resize(1)
    with pytest.raises(RuleViolation):
        seating.resize(0)
    assert seating.resize(2) == [] and seating.seats_free == 0
