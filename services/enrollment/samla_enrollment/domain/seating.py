"""The seats and the queue of one cohort: who holds a seat, who waits, and in which order.

This is the single source of truth for placement. It lives in the cohort document, so a
placement, the promotions it causes and the events describing them are one write.

The queue is kept as an append-only log (`Queue`): who joined in which order, how far the
head has moved and which places behind the head were given up. A rush of thousands only
appends to it, so what is stored of the queue grows by bounded slices (pages written once
full) and the cohort document keeps counters and the head, not the whole queue.

A freed seat goes one of three ways (see `FreedSeats`): to the head of the queue at once
(programmes without offers), to the head of the queue as an *offer* held until a deadline
(programmes with `offer_days`), or nowhere until a coordinator decides (the cohort has
started: a latecomer who missed the kickoff could never complete). A seat on offer counts
as taken, so nobody else can take it while the offer stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import overload

from samla_enrollment.domain.errors import Conflict, RuleViolation


class Placement(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a seat is held for the applicant until the offer's deadline


class FreedSeats(StrEnum):
    """What happens to a seat that becomes free."""

    PROMOTE = "promote"  # the head of the queue takes it at once
    OFFER = "offer"  # the head of the queue is offered it until a deadline
    HOLD = "hold"  # it stays free until a coordinator offers it (the cohort has started)


def freed_seats(*, started: bool, offers: bool) -> FreedSeats:
    if started:
        return FreedSeats.HOLD
    return FreedSeats.OFFER if offers else FreedSeats.PROMOTE


def offer_deadline(now: datetime, days: float) -> datetime:
    """When an offer made now ends: to the millisecond, as stored, so the event and the cohort say the same."""
    deadline = now + timedelta(days=days)
    return deadline.replace(microsecond=deadline.microsecond // 1000 * 1000)


class Queue:
    """The waitlist as a log of arrivals: `log[head:]` minus the places in `left` are waiting, in order.

    Joining appends; leaving from the head moves the head; leaving from behind it marks the
    place (by its index in the log) as left. Membership and positions cost no walk through
    the queue, and the log only ever grows at its end, so it can be stored as fixed slices.
    Places before `head` or in `left` may hold None where a reader did not load that part.
    """

    def __init__(self, log: Iterable[str | None] = (), head: int = 0, left: Iterable[int] = ()) -> None:
        self.log: list[str | None] = list(log)
        self.head = head
        self.left: set[int] = set(left)
        self._at: dict[str, int] = {}  # waiting application id -> index of its place in the log
        for index in range(head, len(self.log)):
            application_id = self.log[index]
            if application_id is not None and index not in self.left:
                self._at[application_id] = index
        self._advance()

    def _advance(self) -> None:
        while self.head < len(self.log) and self.head in self.left:
            self.left.discard(self.head)
            self.head += 1

    def __len__(self) -> int:
        return len(self.log) - self.head - len(self.left)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __contains__(self, application_id: object) -> bool:
        return application_id in self._at

    def __iter__(self) -> Iterator[str]:
        for index in range(self.head, len(self.log)):
            if index not in self.left:
                yield self.log[index]  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Queue | list) else NotImplemented

    def __repr__(self) -> str:
        return f"Queue({list(self)!r})"

    @overload
    def __getitem__(self, key: int) -> str: ...
    @overload
    def __getitem__(self, key: slice) -> list[str]: ...
    def __getitem__(self, key: int | slice) -> str | list[str]:
        if isinstance(key, slice):
            return list(self)[key]
        if key == 0 and self:
            return self.log[self.head]  # type: ignore[return-value]  # the head is always a waiting place
        return list(self)[key]

    def append(self, application_id: str) -> None:
        self._at[application_id] = len(self.log)
        self.log.append(application_id)

    def extend(self, application_ids: Iterable[str]) -> None:
        for application_id in application_ids:
            self.append(application_id)

    def remove(self, application_id: str) -> None:
        index = self._at.pop(application_id)
        self.left.add(index)
        self._advance()

    def index(self, application_id: str) -> int:
        """The applicant's place from 0, counting only those still waiting ahead."""
        at = self._at[application_id]
        return at - self.head - sum(1 for index in self.left if index < at)

    def slots(self, offset: int, limit: int) -> list[int]:
        """The log indices of the waiting places `offset` .. `offset + limit - 1` (see `queue_slots`)."""
        return queue_slots(self.head, self.left, len(self.log), offset, limit)


def queue_slots(head: int, left: Iterable[int], length: int, offset: int, limit: int) -> list[int]:
    """Which log indices hold the waiting places `offset` .. `offset + limit - 1`, knowing only the
    head, the places left behind it and the log's length: a page of the queue is read without the rest."""
    gone = sorted(i for i in left if i >= head)
    start = head + offset
    for index in gone:  # every place left at or before the start pushes it one further
        if index <= start:
            start += 1
        else:
            break
    skip = set(gone)
    slots: list[int] = []
    index = start
    while index < length and len(slots) < limit:
        if index not in skip:
            slots.append(index)
        index += 1
    return slots


@dataclass
class Seating:
    capacity: int
    enrolled: list[str] = field(default_factory=list)
    waitlist: Queue = field(default_factory=Queue)
    # Seats on offer: application id -> the offer's deadline, in the order the offers were made.
    offers: dict[str, datetime] = field(default_factory=dict)
    # Teams: team id -> its members' application ids. A team takes seats together or waits together,
    # as one place in the queue.
    teams: dict[str, list[str]] = field(default_factory=dict)
    # The capacity counts teams (a single applicant counts as a team of one), not seats.
    count_teams: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.waitlist, Queue):
            self.waitlist = Queue(self.waitlist)

    @property
    def seats_taken(self) -> int:
        return self._units(self.enrolled)

    @property
    def seats_free(self) -> int:
        return max(self.capacity - self._units([*self.enrolled, *self.offers]), 0)

    def _team_of(self) -> dict[str, str]:
        return {member: team for team, members in self.teams.items() for member in members}

    def _units(self, ids: list[str]) -> int:
        """How much of the capacity these applications take: a seat each, or one per team when teams count."""
        if not self.count_teams or not self.teams:
            return len(ids)
        team_of = self._team_of()
        return len({team_of.get(i, i) for i in ids})

    def _places_in_queue(self) -> int:
        """How many places the queue has: a waiting team is one."""
        if not self.teams:
            return len(self.waitlist)
        team_of = self._team_of()
        return len({team_of.get(i, i) for i in self.waitlist})

    def _block(self, head: str) -> list[str]:
        """The head of the queue and the members of its team waiting with it: they move together."""
        team = self._team_of().get(head)
        if team is None:
            return [head]
        return [member for member in self.waitlist if member in self.teams[team]]

    def _need(self, block: list[str]) -> int:
        return 1 if self.count_teams else len(block)

    def place_team(self, team_id: str, application_ids: list[str]) -> tuple[Placement, int | None]:
        """Seat the whole team if there is room for all of it and nobody waits; else it waits as one."""
        placed = [*self.enrolled, *self.waitlist, *self.offers]
        if team_id in self.teams or any(i in placed for i in application_ids):
            raise Conflict("the team is already placed in this cohort")
        self.teams[team_id] = list(application_ids)
        if self.seats_free >= self._need(application_ids) and not self.waitlist:
            self.enrolled.extend(application_ids)
            return Placement.ENROLLED, None
        self.waitlist.extend(application_ids)
        return Placement.WAITLISTED, self.positions()[application_ids[0]]

    def place(self, application_id: str) -> tuple[Placement, int | None]:
        """Give the applicant a free seat, or the next place in the queue (positions start at 1).

        A seat a coordinator held after the start is not taken past those already waiting.
        """
        if application_id in self.enrolled or application_id in self.waitlist or application_id in self.offers:
            raise Conflict("the application is already placed in this cohort")
        if self.seats_free > 0 and not self.waitlist:
            self.enrolled.append(application_id)
            return Placement.ENROLLED, None
        self.waitlist.append(application_id)
        return Placement.WAITLISTED, self._places_in_queue()

    def next_place(self) -> tuple[Placement, int | None]:
        """Where the next applicant would go, without placing anyone."""
        if self.seats_free > 0 and not self.waitlist:
            return Placement.ENROLLED, None
        return Placement.WAITLISTED, self._places_in_queue() + 1

    def withdraw(self, application_id: str) -> Placement:
        """Remove the applicant from their seat, offer or queue place; returns where they were.

        What becomes of a freed seat is the caller's next step (`promote` or `offer`).
        """
        if application_id in self.waitlist:
            self.waitlist.remove(application_id)
            return Placement.WAITLISTED
        if application_id in self.offers:
            del self.offers[application_id]
            return Placement.OFFERED
        if application_id not in self.enrolled:
            raise Conflict("the application holds no seat or waitlist place in this cohort")
        self.enrolled.remove(application_id)
        return Placement.ENROLLED

    def promote(self) -> list[str]:
        """Free seats go to the head of the queue at once; returns who was promoted, in queue order."""
        promoted: list[str] = []
        while self.waitlist:
            block = self._block(self.waitlist[0])
            if self.seats_free < self._need(block):
                break  # a team at the head waits for room for all of it; nobody jumps the queue
            for member in block:
                self.waitlist.remove(member)
                self.enrolled.append(member)
            promoted.extend(block)
        return promoted

    def offer(self, deadline: datetime, *, seats: int | None = None) -> list[str]:
        """Offer free seats (all, or at most `seats`) to the head of the queue until `deadline`; returns who."""
        offered: list[str] = []
        made = 0
        while self.waitlist and (seats is None or made < seats):
            block = self._block(self.waitlist[0])
            if self.seats_free < self._need(block):
                break
            for member in block:  # a team is offered its seats together; each member answers for themself
                self.waitlist.remove(member)
                self.offers[member] = deadline
            offered.extend(block)
            made += 1
        return offered

    def accept(self, application_id: str, now: datetime) -> None:
        """The applicant takes the seat offered to them, before its deadline."""
        deadline = self._offer(application_id)
        if deadline <= now:
            raise Conflict(f"the offer expired at {deadline.isoformat()}; the seat has moved on",
                           expired_at=deadline.isoformat())
        del self.offers[application_id]
        self.enrolled.append(application_id)

    def expired(self, now: datetime) -> list[str]:
        """The offers whose deadline has passed, oldest first (still held: `withdraw` each to release it)."""
        return [application_id for application_id, deadline in self.offers.items() if deadline <= now]

    def offer_deadline(self, application_id: str) -> datetime | None:
        return self.offers.get(application_id)

    @property
    def next_deadline(self) -> datetime | None:
        return min(self.offers.values(), default=None)

    def _offer(self, application_id: str) -> datetime:
        if application_id not in self.offers:
            raise Conflict("no seat is on offer to this application")
        return self.offers[application_id]

    def resize(self, capacity: int) -> None:
        """Change the number of seats (extra seats are then the caller's to promote or offer).

        Shrinking below the seats already taken is refused rather than unseating people:
        nobody loses a confirmed seat because a coordinator changed a number.
        """
        if capacity < 1:
            raise RuleViolation("a cohort needs at least one seat")
        held = self._units([*self.enrolled, *self.offers])
        if capacity < held:
            on_offer = f" and {len(self.offers)} more are on offer" if self.offers else ""
            raise Conflict(f"{self.seats_taken} participants hold seats{on_offer}; the capacity cannot go below that",
                           seats_taken=self.seats_taken, seats_on_offer=len(self.offers))
        self.capacity = capacity

    def where(self, application_id: str) -> tuple[Placement | None, int | None]:
        """Where the applicant is: a seat, a queue position, or (None, None) when not placed."""
        if application_id in self.enrolled:
            return Placement.ENROLLED, None
        if application_id in self.waitlist:
            position = (self.positions()[application_id] if self.teams
                        else self.waitlist.index(application_id) + 1)
            return Placement.WAITLISTED, position
        if application_id in self.offers:
            return Placement.OFFERED, None
        return None, None

    def positions(self) -> dict[str, int]:
        """Queue position of every waiting applicant, for reading many at once (a team shares one)."""
        if not self.teams:
            return {application_id: i for i, application_id in enumerate(self.waitlist, start=1)}
        team_of = self._team_of()
        positions: dict[str, int] = {}
        team_positions: dict[str, int] = {}
        position = 0
        for application_id in self.waitlist:
            team = team_of.get(application_id)
            if team is None or team not in team_positions:
                position += 1
                if team is not None:
                    team_positions[team] = position
            positions[application_id] = team_positions[team] if team is not None else position
        return positions
