"""Agenda rules: the timed items of a session, and the guided steps of a dialogue exercise.

Items may touch (one ends at 09:05, the next starts at 09:05) but never overlap, and every
item lies inside the session. A dialogue exercise (seed 003's dialogue cloth: a warm-up and
four tasks of about half an hour, four people round each cloth) carries its steps in order,
and their timeboxes must fit in the item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from samla_sessions.domain.errors import RuleViolation

MAX_ITEMS = 60


class AgendaItemKind(StrEnum):
    CHECK_IN = "check_in"
    WELCOME = "welcome"
    TALK = "talk"
    FILM = "film"
    GROUP_WORK = "group_work"
    PLENARY = "plenary"
    BREAK = "break"
    SUMMARY = "summary"
    DIALOGUE_EXERCISE = "dialogue_exercise"


@dataclass(frozen=True)
class DialogueStep:
    title: str
    minutes: int


@dataclass(frozen=True)
class AgendaItem:
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: AgendaItemKind
    speakers: tuple[str, ...] = ()
    facilitators: tuple[str, ...] = ()
    steps: tuple[DialogueStep, ...] = ()
    group_size: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def shifted(self, delta: timedelta) -> AgendaItem:
        return replace(self, starts_at=self.starts_at + delta, ends_at=self.ends_at + delta)


def checked_agenda(items: Iterable[AgendaItem], *, starts_at: datetime, ends_at: datetime) -> list[AgendaItem]:
    """The items in time order, or RuleViolation listing every rule they break.

    `starts_at`/`ends_at` are the session's; all datetimes are time-zone aware.
    """
    ordered = sorted(items, key=lambda item: (item.starts_at, item.ends_at))
    problems: list[str] = []
    if len(ordered) > MAX_ITEMS:
        problems.append(f"an agenda holds at most {MAX_ITEMS} items")
    for position, item in enumerate(ordered):
        problems.extend(_item_problems(item, starts_at=starts_at, ends_at=ends_at))
        earlier = ordered[position - 1] if position else None
        if earlier is not None and item.starts_at < earlier.ends_at:
            problems.append(f"{item.title!r} starts before {earlier.title!r} ends")
    if problems:
        raise RuleViolation("the agenda does not fit the session: " + "; ".join(problems), problems=problems)
    return ordered


def _item_problems(item: AgendaItem, *, starts_at: datetime, ends_at: datetime) -> list[str]:
    problems = []
    if item.ends_at <= item.starts_at:
        problems.append(f"{item.title!r} must end after it starts")
    if item.starts_at < starts_at or item.ends_at > ends_at:
        problems.append(f"{item.title!r} lies outside the session")
    if item.kind is AgendaItemKind.DIALOGUE_EXERCISE:
        if not item.steps:
            problems.append(f"{item.title!r} is a dialogue exercise and needs its steps")
        planned = sum(step.minutes for step in item.steps)
        if item.ends_at > item.starts_at and planned > item.minutes:
            problems.append(f"the steps of {item.title!r} take {planned} minutes but the item lasts {item.minutes}")
    elif item.steps or item.group_size is not None:
        problems.append(f"{item.title!r} is a {item.kind.value}; only a dialogue exercise has steps and groups")
    return problems
