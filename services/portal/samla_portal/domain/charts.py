"""An indicator over time against its baseline and target, as the geometry of a small SVG line chart.

The portal draws the chart on the server (no script, no chart library): the template turns
these numbers into SVG, and the same points are listed in a table for screen readers and
for anyone who wants the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40  # room for the value labels on the left and the dates below


@dataclass(frozen=True)
class Point:
    on: date
    value: float
    x: float
    y: float
    baseline: bool  # the first point is the baseline itself, not a follow-up's reading


@dataclass(frozen=True)
class Chart:
    indicator: dict[str, Any]
    points: list[Point]
    baseline_y: float
    target_y: float
    baseline_label_y: float  # the upper of the two lines is labelled above it, the lower one below
    target_label_y: float
    ticks: list[tuple[float, float]]  # (value, y) for the value axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))

    @property
    def latest(self) -> Point:
        return self.points[-1]


def series_of(indicator: dict[str, Any], follow_ups: list[dict[str, Any]]) -> list[tuple[date, float]]:
    """The baseline, then each follow-up's reading of this indicator, in date order."""
    found = [(date.fromisoformat(str(indicator["baseline_date"])[:10]), float(indicator["baseline"]))]
    readings = [(date.fromisoformat(str(f["held_on"])[:10]), float(r["value"]))
                for f in follow_ups for r in f.get("readings", []) if r.get("indicator_id") == indicator["id"]]
    return found + sorted(readings, key=lambda reading: reading[0])


def chart_of(indicator: dict[str, Any], follow_ups: list[dict[str, Any]]) -> Chart:
    series = series_of(indicator, follow_ups)
    values = [v for _, v in series] + [float(indicator["baseline"]), float(indicator["target"])]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or 1.0
    low, high = low - pad, high + pad
    # Stay within the indicator's scale (0-100 for percentages) without stretching to all of it.
    if indicator.get("scale_min") is not None:
        low = max(low, float(indicator["scale_min"]))
    elif indicator.get("unit") == "%" or min(values) >= 0:
        low = max(low, 0.0)
    if indicator.get("scale_max") is not None:
        high = min(high, float(indicator["scale_max"]))
    top, bottom, left, right = TOP, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    first, last = series[0][0], series[-1][0]
    span = (last - first).days

    def x_of(index: int, day: date) -> float:
        if span == 0:  # only the baseline (or every reading on one day): spread them evenly
            return left + (right - left) * (index / max(1, len(series) - 1))
        return left + (right - left) * ((day - first).days / span)

    points = [Point(on=day, value=value, x=x_of(i, day), y=y_of(value), baseline=i == 0)
              for i, (day, value) in enumerate(series)]
    ticks = [(low + (high - low) * step / 4, y_of(low + (high - low) * step / 4)) for step in range(5)]
    baseline_y, target_y = y_of(float(indicator["baseline"])), y_of(float(indicator["target"]))
    above, below = -5.0, 15.0
    return Chart(indicator=indicator, points=points, baseline_y=baseline_y, target_y=target_y, ticks=ticks,
                 baseline_label_y=baseline_y + (above if baseline_y <= target_y else below),
                 target_label_y=target_y + (above if target_y < baseline_y else below))


@dataclass(frozen=True)
class Mark:
    """A measure on a unit's series: a vertical line at the month it was adopted (or proposed), numbered."""

    number: int
    on: date
    x: float
    measure_id: str
    title: str
    adopted: bool  # False: only proposed so far, drawn at its proposal


@dataclass(frozen=True)
class SeriesChart:
    """A unit's own monthly series, or a network's mean across units: the line, the first reading dashed as
    the baseline, and the measures marked where they started, so a change can be read against them."""

    kind: str
    unit: str
    points: list[Point]
    baseline_y: float
    ticks: list[tuple[float, float]]
    marks: list[Mark]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))

    @property
    def latest(self) -> Point:
        return self.points[-1]


def series_chart_of(kind: str, unit: str, readings: list[tuple[date, float]],
                    measures: list[dict[str, Any]] | None = None) -> SeriesChart:
    """The geometry of a series (at least one reading) with its measures (measures' MeasureMark) marked.

    The time axis spans the readings and the measures' start months, so a measure adopted before the
    first reading still shows where it sits."""
    readings = sorted(readings)
    starts = [(date.fromisoformat(str(m.get("adopted_on") or m["proposed_on"])[:10]), m) for m in measures or []]
    values = [v for _, v in readings]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or 1.0
    # Every series kind lies on 0-100 (% or points): stay inside it.
    low, high = max(low - pad, 0.0), min(high + pad, 100.0)
    if high <= low:
        high = low + 1.0
    top, bottom, left, right = TOP, HEIGHT - BOTTOM, LEFT, WIDTH - RIGHT
    first = min([readings[0][0], *(on for on, _ in starts)])
    last = max([readings[-1][0], *(on for on, _ in starts)])
    span = (last - first).days

    def x_of(index: int, day: date, count: int) -> float:
        if span == 0:
            return left + (right - left) * (index / max(1, count - 1))
        return left + (right - left) * ((day - first).days / span)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    points = [Point(on=day, value=value, x=x_of(i, day, len(readings)), y=y_of(value), baseline=i == 0)
              for i, (day, value) in enumerate(readings)]
    marks = [Mark(number=n, on=on, x=x_of(0, on, 1) if span else (left + right) / 2,
                  measure_id=str(m.get("measure_id") or ""), title=str(m["title"]),
                  adopted=bool(m.get("adopted_on")))
             for n, (on, m) in enumerate(sorted(starts, key=lambda s: s[0]), start=1)]
    ticks = [(low + (high - low) * step / 4, y_of(low + (high - low) * step / 4)) for step in range(5)]
    return SeriesChart(kind=kind, unit=unit, points=points, baseline_y=y_of(readings[0][1]), ticks=ticks, marks=marks)
