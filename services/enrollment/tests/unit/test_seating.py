"""Seat allocation rules: never oversold, a fair queue, and freed seats go to its head (at once or as offers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.seating import FreedSeats, Placement, Queue, Seating, freed_seats

NOW = datetime(2027, 8, 20, 9, 0, tzinfo=UTC)


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
    assert seating.withdraw("a1") is Placement.ENROLLED
    assert seating.promote() == ["a2"]
    assert seating.where("a2") == (Placement.ENROLLED, None)
    assert seating.where("a3") == (Placement.WAITLISTED, 1)


def test_leaving_the_queue_promotes_nobody_and_those_behind_move_up():
    seating = Seating(1, ["a1"], ["a2", "a3", "a4"])
    assert seating.withdraw("a3") is Placement.WAITLISTED
    assert seating.positions() == {"a2": 1, "a4": 2}


def test_withdrawing_an_application_without_a_place_is_refused():
    with pytest.raises(Conflict, match="holds no seat"):
        Seating(1).withdraw("a1")


def test_more_seats_go_to_the_queue_in_order():
    seating = Seating(1, ["a1"], ["a2", "a3", "a4"])
    seating.resize(3)
    assert seating.promote() == ["a2", "a3"]
    assert seating.positions() == {"a4": 1}


def test_the_capacity_never_shrinks_below_the_seats_taken():
    seating = Seating(3, ["a1", "a2"])
    with pytest.raises(Conflict, match="2 participants hold seats"):
        seating.resize(1)
    with pytest.raises(RuleViolation):
        seating.resize(0)
    seating.resize(2)
    assert seating.promote() == [] and seating.seats_free == 0



def test_a_freed_seat_is_offered_to_the_head_of_the_queue_and_held_for_them_until_the_deadline():
    seating = Seating(1, ["a1"], ["a2", "a3"])
    seating.withdraw("a1")
    deadline = NOW + timedelta(days=3)
    assert seating.offer(deadline) == ["a2"]
    assert seating.where("a2") == (Placement.OFFERED, None) and seating.offer_deadline("a2") == deadline
    assert seating.seats_free == 0 and seating.next_place() == (Placement.WAITLISTED, 2)
    assert seating.positions() == {"a3": 1}
    seating.accept("a2", NOW)
    assert seating.where("a2") == (Placement.ENROLLED, None) and seating.next_deadline is None


def test_an_offer_past_its_deadline_cannot_be_accepted_and_is_found_expired():
    seating = Seating(1, [], ["a2"])
    seating.offer(NOW)
    with pytest.raises(Conflict, match="expired"):
        seating.accept("a2", NOW)
    assert seating.expired(NOW) == ["a2"] and seating.expired(NOW - timedelta(seconds=1)) == []
    assert seating.withdraw("a2") is Placement.OFFERED and seating.seats_free == 1


def test_the_capacity_never_shrinks_below_the_seats_on_offer():
    seating = Seating(2, ["a1"], ["a2"])
    seating.offer(NOW)
    with pytest.raises(Conflict, match="1 participants hold seats and 1 more are on offer"):
        seating.resize(1)


def test_a_seat_held_empty_after_the_start_is_not_taken_past_the_queue():
    seating = Seating(2, ["a1"], ["a2"])
    assert seating.place("a3") == (Placement.WAITLISTED, 2)


def test_freed_seats_follow_the_programme_until_the_start_and_the_coordinator_after():
    assert freed_seats(started=False, offers=False) is FreedSeats.PROMOTE
    assert freed_seats(started=False, offers=True) is FreedSeats.OFFER
    assert freed_seats(started=True, offers=True) is FreedSeats.HOLD
    assert freed_seats(started=True, offers=False) is FreedSeats.HOLD


def test_a_team_takes_its_seats_together_or_waits_together_as_one_place():
    seating = Seating(4, ["a1"])
    assert seating.place_team("t1", ["l1", "u1", "s1"]) == (Placement.ENROLLED, None)
    assert seating.seats_free == 0
    assert seating.place("a2") == (Placement.WAITLISTED, 1)
    assert seating.place_team("t2", ["l2", "u2", "s2"]) == (Placement.WAITLISTED, 2)
    assert seating.place("a3") == (Placement.WAITLISTED, 3)
    assert seating.where("s2") == (Placement.WAITLISTED, 2)
    assert seating.positions() == {"a2": 1, "l2": 2, "u2": 2, "s2": 2, "a3": 3}


def test_a_team_at_the_head_of_the_queue_waits_for_room_for_all_of_it():
    seating = Seating(3, ["a1", "a2", "a3"])
    seating.place_team("t1", ["l1", "u1"])
    seating.place("a4")
    seating.withdraw("a1")
    assert seating.promote() == [], "one seat is not enough for a team of two, and nobody jumps the queue"
    seating.withdraw("a2")
    assert seating.promote() == ["l1", "u1"]
    assert seating.positions() == {"a4": 1}


def test_a_capacity_counted_in_teams_counts_a_team_and_a_single_applicant_as_one_each():
    seating = Seating(2, count_teams=True)
    assert seating.place_team("t1", ["l1", "u1", "s1", "m1"])[0] is Placement.ENROLLED
    assert (seating.seats_taken, seating.seats_free) == (1, 1)
    assert seating.place("a1") == (Placement.ENROLLED, None)
    assert seating.place_team("t2", ["l2", "u2", "s2"]) == (Placement.WAITLISTED, 1)
    seating.withdraw("l1")
    assert seating.promote() == [], "the team still holds its place while a member remains"
    seating.withdraw("a1")
    assert seating.promote() == ["l2", "u2", "s2"]


def test_the_queue_keeps_its_order_when_people_leave_from_the_head_and_from_behind_it() -> None:
    queue = Queue(["a1", "a2", "a3", "a4", "a5"])
    queue.remove("a3")  # from behind the head: the place is marked as left
    queue.remove("a1")  # from the head: the head moves on
    assert list(queue) == ["a2", "a4", "a5"] and len(queue) == 3
    assert [queue.index(a) + 1 for a in queue] == [1, 2, 3]
    assert "a3" not in queue and "a4" in queue and queue[0] == "a2"
    queue.remove("a2")  # the head moves past the place a3 left as well
    assert (queue.head, queue.left) == (3, set())


def test_a_page_of_the_queue_is_found_from_the_head_and_the_places_left_alone() -> None:
    queue = Queue([f"a{i}" for i in range(10)])
    for gone in ("a0", "a2", "a5"):
        queue.remove(gone)
    stored = Queue([None] * 10, queue.head, queue.left)  # what a reader knows without the log
    for offset in range(0, 8):
        slots = stored.slots(offset, 3)
        assert [queue.log[s] for s in slots] == list(queue)[offset:offset + 3]


def test_a_queue_read_back_from_its_stored_form_is_the_same_queue() -> None:
    seating = Seating(1, ["a1"], ["a2", "a3", "a4"])
    seating.withdraw("a3")
    seating.withdraw("a1")
    assert seating.promote() == ["a2"]
    queue = seating.waitlist
    again = Queue(queue.log, queue.head, queue.left)
    assert again == ["a4"] and again.index("a4") == 0 and again.slots(0, 5) == [2]
