"""Staff input of a unit, free of I/O: ideas and concerns, dialogue results, and how the parties sort them.

Staff bring items (signed in, or anonymously through the link their leader shares); a
workshop's groups of four add what the dialogue cloth produced. The unit's parties rank
the items or set them aside; a ranked item can become a proposed measure, once.
"""

from __future__ import annotations

import hashlib
import secrets
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


def check_new_result(results: list[dict[str, Any]], session_id: str, group: int) -> None:
    """One result per group of a session: the cloth of one group is recorded once."""
    if any(r["session_id"] == session_id and r["group"] == group for r in results):
        raise Conflict(f"group {group} of session {session_id} has recorded its result already",
                       session_id=session_id, group=group)


def prioritised(item: dict[str, Any], *, rank: int | None) -> str:
    """The item's status after the parties rank it (`rank`) or set it aside (None)."""
    status = ItemStatus(item["status"])
    if status is ItemStatus.PROPOSED:
        raise Conflict("the item became a measure already; its priority no longer changes",
                       measure_id=item.get("measure_id"))
    return (ItemStatus.PRIORITISED if rank is not None else ItemStatus.SET_ASIDE).value


def check_can_become_measure(item: dict[str, Any]) -> None:
    status = ItemStatus(item["status"])
    if status is ItemStatus.PROPOSED:
        raise Conflict("the item became a measure already", measure_id=item.get("measure_id"))
    if status is not ItemStatus.PRIORITISED:
        raise Conflict(f"the item is {status.value}; the unit's parties prioritise it before it becomes a measure")


def listed_order(item: dict[str, Any]) -> tuple[int, int, str]:
    """Ranked items first by rank, then the rest in the order they came."""
    rank = item.get("rank")
    return (0 if rank is not None else 1, rank or 0, item["submitted_at"].isoformat())


def check_text(text: str) -> str:
    if not text.strip():
        raise RuleViolation("the item says nothing")
    return text.strip()
