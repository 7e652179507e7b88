"""Progress plans, free of I/O: an organisation's goal for one indicator, its milestones and its progress.

A goal such as "share of full-time positions from 40 % to 60 % by 2028" is measured on the
units' own series: the plan's current value is the mean of its units' latest readings, a
milestone is reached when the mean of the readings up to its month is on the goal's side of
its value. A milestone whose date passed unreached is announced once (MilestoneOverdue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from samla_shared.contract.measures import BetterDirection, SeriesKind
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.series import check_reading, mean_of_latest

MAX_MILESTONES = 20


@dataclass(frozen=True)
class Plan:
    """One progress plan as the use cases and the routes see it (the store maps its documents to and from it)."""

    id: str
    network_id: str
    organisation_id: str
    title: str
    kind: SeriesKind
    unit_ids: list[str]
    start_value: float
    target_value: float
    target_date: date
    owner_ids: list[str] = field(default_factory=list)
    measure_ids: list[str] = field(default_factory=list)
    # Each {"id", "due_on" (ISO date), "value", "settled", "announced"}, in date order.
    milestones: list[dict[str, Any]] = field(default_factory=list)
    created_by: str | None = None
    # Everyone who changed the plan, so that an erasure finds the person with one query.
    actors: list[str] = field(default_factory=list)
    # The earliest due date (ISO) of a milestone not settled yet: what the overdue watch looks for.
    watch_from: str | None = None
    # The version read: a write of a change succeeds only if nobody wrote the plan since.
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


def direction(start: float, target: float) -> BetterDirection:
    return "up" if target > start else "down"


def check_plan(*, kind: SeriesKind, start_value: float, target_value: float, target_date: date,
               milestones: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """Check a goal and its milestones; returns the milestones in date order."""
    check_reading(kind, start_value)
    check_reading(kind, target_value)
    if start_value == target_value:
        raise RuleViolation("the target must differ from the starting value")
    if target_date <= today:
        raise RuleViolation("the goal's date must lie in the future")
    if len(milestones) > MAX_MILESTONES:
        raise RuleViolation(f"a plan has at most {MAX_MILESTONES} milestones")
    better = direction(start_value, target_value)
    ordered = sorted(milestones, key=lambda m: m["due_on"])
    low, high = sorted((start_value, target_value))
    for m in ordered:
        check_reading(kind, m["value"])
        if m["due_on"] > target_date:
            raise RuleViolation(f"the milestone of {m['due_on'].isoformat()} lies after the goal's date")
        if not low <= m["value"] <= high:
            raise RuleViolation(f"a milestone's value ({m['value']:g}) must lie between the start and the target")
    values = [m["value"] for m in ordered]
    if values != sorted(values, reverse=better == "down"):
        raise RuleViolation("the milestones must move towards the target in date order")
    if len({m["due_on"] for m in ordered}) != len(ordered):
        raise RuleViolation("two milestones share a date")
    return ordered


def reached(value: float | None, wanted: float, better: BetterDirection) -> bool:
    if value is None:
        return False
    return value >= wanted if better == "up" else value <= wanted


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def progress(plan: Plan, series: Iterable[Mapping[str, float]], today: date) -> dict[str, Any]:
    """The plan's current value, how far it came from start to target, and each milestone's state."""
    series = list(series)
    better = direction(plan.start_value, plan.target_value)
    current = mean_of_latest(series)
    span = plan.target_value - plan.start_value
    percent = None if current is None else round((current - plan.start_value) / span * 100, 1)
    milestones = []
    for m in plan.milestones:
        due = date.fromisoformat(m["due_on"])
        at_due = mean_of_latest(series, until=month_of(due))
        done = reached(at_due if due < today else current, m["value"], better)
        milestones.append({**m, "value_at_due": at_due if due < today else current, "reached": done,
                           "overdue": due < today and not done})
    return {"current_value": current, "progress_percent": percent, "better": better, "milestones": milestones,
            "target_reached": reached(current, plan.target_value, better)}


def next_watch_date(milestones: Iterable[Mapping[str, Any]]) -> str | None:
    """The earliest due date of a milestone not yet settled (announced as overdue, or found reached)."""
    open_dates = [m["due_on"] for m in milestones if not m.get("settled")]
    return min(open_dates) if open_dates else None
