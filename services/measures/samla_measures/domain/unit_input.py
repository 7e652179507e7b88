"""Staff input of a unit, free of I/O: ideas and concerns, dialogue results, and how the parties sort them.

Staff bring items (signed in, or anonymously through the link their leader shares); a
workshop's groups of four add what the dialogue cloth produced. The unit's parties rank
the items or set them aside; a ranked item can become a proposed measure, once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from samla_measures.domain.errors import Conflict, RuleViolation

MAX_ITEMS = 500  # per unit, so the unit's list is one bounded document
MAX_RESULTS = 200


class ItemStatus(StrEnum):
    OPEN = "open"
    PRIORITISED = "prioritised"
    SET_ASIDE = "set_aside"
    PROPOSED = "proposed"  # became a measure


class ItemSource(StrEnum):
    STAFF = "staff"            # a signed-in member of staff
    ANONYMOUS = "anonymous"    # through the unit's link, without signing in
    DIALOGUE = "dialogue"      # a group's result from the dialogue cloth


@dataclass(frozen=True)
class Item:
    """An idea or concern on the unit's list, from staff or from a workshop group's dialogue result."""

    id: str
    text: str
    area: str  # a MeasureArea value
    kind: str  # "idea" or "concern"
    source: ItemSource
    submitted_by: str | None  # None when sent anonymously through the link
    submitted_at: datetime
    status: ItemStatus = ItemStatus.OPEN
    rank: int | None = None
    prioritised_by: str | None = None
    prioritised_as: str | None = None  # the party role of whoever ranked it, when their token held one
    measure_id: str | None = None  # the measure it became
    session_id: str | None = None  # from a dialogue result: its workshop session and group
    dialogue_group: int | None = None
    keywords: list[str] = field(default_factory=list)
    why: str | None = None
    # When the parties last ranked it or set it aside (None: never), and why.
    prioritised_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DialogueResult:
    """What one workshop group's dialogue cloth produced; its next step joined the list as `item_id`."""

    id: str
    session_id: str
    group: int
    keywords: list[str]
    why: str
    next_step: str
    area: str  # a MeasureArea value
    recorded_by: str | None
    recorded_at: datetime
    item_id: str


@dataclass(frozen=True)
class StaffInput:
    """A unit's staff input as the use cases and the routes see it: its items, its dialogue results and the
    hash of its current link (the store maps its one document per unit to and from it)."""

    unit_id: str
    network_id: str
    organisation_id: str
    link_hash: str | None = None
    link_created_at: datetime | None = None
    items: list[Item] = field(default_factory=list)
    dialogue_results: list[DialogueResult] = field(default_factory=list)
    # Everyone who sent, ranked or recorded something, so that an erasure finds the person with one query.
    actors: list[str] = field(default_factory=list)
    # The version read: a write succeeds only if nobody wrote the unit's input since.
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.unit_id


def source_through_link(person_id: str | None) -> ItemSource:
    """The link is a public form: a caller signed in sends as staff (named), anyone else anonymously."""
    return ItemSource.STAFF if person_id else ItemSource.ANONYMOUS


def new_link_token() -> tuple[str, str]:
    """A secret for the unit's input link and its hash; only the hash is stored."""
    token = secrets.token_urlsafe(24)
    return token, link_hash(token)


def link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_room(items: list[Any], results: list[Any] | None = None) -> None:
    if len(items) >= MAX_ITEMS:
        raise Conflict(f"the unit's list holds at most {MAX_ITEMS} items; set old ones aside or propose them")
    if results is not None and len(results) >= MAX_RESULTS:
        raise Conflict(f"the unit holds at most {MAX_RESULTS} dialogue results")


def check_new_result(results: Sequence[DialogueResult], session_id: str, group: int) -> None:
    """One result per group of a session: the cloth of one group is recorded once."""
    if any(r.session_id == session_id and r.group == group for r in results):
        raise Conflict(f"group {group} of session {session_id} has recorded its result already",
                       session_id=session_id, group=group)


def prioritised(item: Item, *, rank: int | None) -> ItemStatus:
    """The item's status after the parties rank it (`rank`) or set it aside (None)."""
    if item.status is ItemStatus.PROPOSED:
        raise Conflict("the item became a measure already; its priority no longer changes",
                       measure_id=item.measure_id)
    return ItemStatus.PRIORITISED if rank is not None else ItemStatus.SET_ASIDE


def check_can_become_measure(item: Item) -> None:
    if item.status is ItemStatus.PROPOSED:
        raise Conflict("the item became a measure already", measure_id=item.measure_id)
    if item.status is not ItemStatus.PRIORITISED:
        raise Conflict(f"the item is {item.status.value}; the unit's parties prioritise it before it becomes a measure")


def listed_order(item: Item) -> tuple[int, int, str]:
    """Ranked items first by rank, then the rest in the order they came."""
    return (0 if item.rank is not None else 1, item.rank or 0, item.submitted_at.isoformat())


def check_text(text: str) -> str:
    if not text.strip():
        raise RuleViolation("the item says nothing")
    return text.strip()
