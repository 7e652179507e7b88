"""A unit's own indicator series (baselines over time), and the trend across a network's units. No I/O.

A series is one unit's readings of one kind, one value per month. It lives in one document
(`<unit_id>:<kind>`) bounded to MAX_PERIODS months, so a unit's view reads a handful of
documents by `_id`. The trend across units is computed from the copies of every unit's series
a network keeps (also one document per kind), never from a scan of raw readings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from samla_shared.contract.measures import BetterDirection, IndicatorKind, SeriesKind
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.indicators import movement

MAX_PERIODS = 120  # ten years of months: a bounded document
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

BETTER: dict[SeriesKind, BetterDirection] = {
    SeriesKind.SICK_LEAVE_PERCENT: "down",
    SeriesKind.FULL_TIME_SHARE_PERCENT: "up",
    SeriesKind.AVERAGE_POSITION_SIZE_PERCENT: "up",
    SeriesKind.TURNOVER_PERCENT: "down",
    SeriesKind.SURVEY_SCORE: "up",
}
UNITS = {kind: ("points" if kind is SeriesKind.SURVEY_SCORE else "%") for kind in SeriesKind}
# Every kind is on 0-100: the percentages by definition, the survey score as Samla asks it to be reported.
SCALE = (0.0, 100.0)


@dataclass(frozen=True)
class Series:
    """One unit's own series of one kind as the use cases and the routes see it (the store maps its
    document, `_id` `<unit_id>:<kind>`, to and from it)."""

    id: str
    unit_id: str
    kind: SeriesKind
    network_id: str
    organisation_id: str
    # One value per month (YYYY-MM), oldest first; at most MAX_PERIODS of them.
    readings: dict[str, float] = field(default_factory=dict)
    last_recorded_by: str | None = None
    # Everyone who recorded a reading, so that an erasure finds the person with one query.
    actors: list[str] = field(default_factory=list)
    # The version read: a write succeeds only if nobody wrote the series since; it is the events' series_version.
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


def series_id(unit_id: str, kind: SeriesKind | str) -> str:
    return f"{unit_id}:{SeriesKind(kind).value}"


def check_period(period: str, today: date) -> str:
    match = PERIOD.match(period)
    if match is None:
        raise RuleViolation(f"a period is a month written YYYY-MM; got {period!r}")
    if (int(match.group(1)), int(match.group(2))) > (today.year, today.month):
        raise RuleViolation(f"the period {period} lies in the future")
    return period


def check_reading(kind: SeriesKind, value: float) -> float:
    low, high = SCALE
    if not low <= value <= high:
        raise RuleViolation(f"a {kind.value} reading must be between 0 and 100 {UNITS[kind]}; got {value:g}")
    return value


def with_reading(readings: Mapping[str, float], period: str, value: float) -> dict[str, float]:
    """The readings after recording `value` for `period` (a correction replaces the month's value)."""
    updated = dict(readings) | {period: value}
    if len(updated) > MAX_PERIODS:
        raise RuleViolation(f"a series keeps at most {MAX_PERIODS} months; this one is full",
                            periods=len(readings))
    return dict(sorted(updated.items()))


def linkable(indicator_kind: IndicatorKind, series_kind: SeriesKind) -> bool:
    """A measure's indicator follows a series of its own kind; a custom indicator may follow any series."""
    return indicator_kind is IndicatorKind.CUSTOM or indicator_kind.value == series_kind.value


def network_trend(kind: SeriesKind, units: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """The trend of one kind across units, from each unit's readings by period.

    Per month: the mean over the units that reported and how many did. Per unit: the first
    against the latest reading, told as improving, worsening or unchanged in the kind's
    better direction, with the mean change in points across the units with two readings.
    """
    better = BETTER[kind]
    by_period: dict[str, list[float]] = {}
    moved = {"improving": 0, "worsening": 0, "unchanged": 0}
    changes: list[float] = []
    for readings in units.values():
        ordered = sorted(readings.items())
        for period, value in ordered:
            by_period.setdefault(period, []).append(value)
        if len(ordered) >= 2:
            first, latest = ordered[0][1], ordered[-1][1]
            moved[movement(first, latest, better).value] += 1
            changes.append(latest - first)
    periods = [{"period": period, "mean": round(sum(values) / len(values), 4), "units_reporting": len(values)}
               for period, values in sorted(by_period.items())]
    return {"kind": kind.value, "unit": UNITS[kind], "better": better, "units": len(units), "periods": periods,
            "units_improving": moved["improving"], "units_worsening": moved["worsening"],
            "units_unchanged": moved["unchanged"],
            "average_change": round(sum(changes) / len(changes), 4) if changes else None}


def latest_value(readings: Mapping[str, float], until: str | None = None) -> tuple[str, float] | None:
    """The latest (period, value), or the latest at or before `until` (a YYYY-MM)."""
    found = [(p, v) for p, v in sorted(readings.items()) if until is None or p <= until]
    return found[-1] if found else None


def mean_of_latest(series: Iterable[Mapping[str, float]], until: str | None = None) -> float | None:
    latest = [found[1] for readings in series if (found := latest_value(readings, until)) is not None]
    return round(sum(latest) / len(latest), 4) if latest else None
