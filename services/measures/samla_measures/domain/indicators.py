"""Indicator rules, free of I/O: what a valid indicator and reading is, and how to read movement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from samla_shared.contract.measures import BetterDirection, IndicatorKind
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.measure import check_not_future

PERCENT_KINDS = frozenset({
    IndicatorKind.SICK_LEAVE_PERCENT, IndicatorKind.FULL_TIME_SHARE_PERCENT, IndicatorKind.TURNOVER_PERCENT,
})

# The direction that counts as better when the caller does not say; custom indicators must say.
DEFAULT_BETTER: dict[IndicatorKind, BetterDirection] = {
    IndicatorKind.SICK_LEAVE_PERCENT: "down",
    IndicatorKind.FULL_TIME_SHARE_PERCENT: "up",
    IndicatorKind.TURNOVER_PERCENT: "down",
    IndicatorKind.SURVEY_SCORE: "up",
}

DEFAULT_NAMES = {
    IndicatorKind.SICK_LEAVE_PERCENT: "Sykefravær / sick leave",
    IndicatorKind.FULL_TIME_SHARE_PERCENT: "Andel heltidsstillinger / share of full-time positions",
    IndicatorKind.TURNOVER_PERCENT: "Turnover",
    IndicatorKind.SURVEY_SCORE: "Medarbeiderundersøkelse / survey score",
}


class Movement(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class IndicatorSpec:
    """A validated indicator definition, ready to be stored on its measure."""

    kind: IndicatorKind
    name: str
    unit: str
    baseline: float
    baseline_date: date
    target: float
    better: BetterDirection
    scale_min: float | None
    scale_max: float | None

    def as_fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value, "name": self.name, "unit": self.unit, "baseline": self.baseline,
            "baseline_date": self.baseline_date.isoformat(), "target": self.target, "better": self.better,
            "scale_min": self.scale_min, "scale_max": self.scale_max,
        }


def define_indicator(*, kind: IndicatorKind, name: str | None, unit: str | None, baseline: float,
                     baseline_date: date, target: float, better: BetterDirection | None,
                     scale_min: float | None, scale_max: float | None, today: date) -> IndicatorSpec:
    """Check an indicator definition against the rules of its kind and fill in the defaults."""
    if kind in PERCENT_KINDS:
        if unit not in (None, "%"):
            raise RuleViolation(f"a {kind.value} indicator is measured in %, not {unit!r}")
        if scale_min is not None or scale_max is not None:
            raise RuleViolation("a percentage indicator has the fixed scale 0-100")
        unit, scale_min, scale_max = "%", 0.0, 100.0
    if kind is IndicatorKind.CUSTOM:
        missing = [field for field, value in (("name", name), ("unit", unit), ("better", better)) if not value]
        if missing:
            raise RuleViolation("a custom indicator needs " + ", ".join(missing), missing_fields=missing)
    if kind is IndicatorKind.SURVEY_SCORE and unit is None:
        unit = "points"
    if scale_min is not None and scale_max is not None and scale_min >= scale_max:
        raise RuleViolation("the scale's lower end must be below its upper end")
    better = better or DEFAULT_BETTER[kind]
    check_not_future(baseline_date, today, "the baseline date")
    spec = IndicatorSpec(kind=kind, name=name or DEFAULT_NAMES[kind], unit=unit or "", baseline=baseline,
                         baseline_date=baseline_date, target=target, better=better,
                         scale_min=scale_min, scale_max=scale_max)
    check_value(spec.as_fields(), baseline, "the baseline")
    check_value(spec.as_fields(), target, "the target")
    if movement(baseline, target, better) is not Movement.IMPROVING:
        side = "below" if better == "down" else "above"
        raise RuleViolation(f"the target must be {side} the baseline, since {better} is better for this indicator")
    return spec


def check_value(indicator: Mapping[str, Any], value: float, what: str = "the value") -> None:
    """A value stays inside its indicator's scale (0-100 for a percentage)."""
    low, high = indicator.get("scale_min"), indicator.get("scale_max")
    if (low is not None and value < low) or (high is not None and value > high):
        unit = f" {indicator['unit']}" if indicator.get("unit") else ""
        if low is not None and high is not None:
            allowed = f"between {_fmt(low)} and {_fmt(high)}{unit}"
        else:
            allowed = f"at least {_fmt(low)}{unit}" if low is not None else f"at most {_fmt(high)}{unit}"
        raise RuleViolation(f"{what} of {indicator.get('name', 'the indicator')} must be {allowed}; got {_fmt(value)}",
                            indicator_kind=indicator.get("kind"))


def movement(baseline: float, latest: float, better: BetterDirection) -> Movement:
    """Whether an indicator moved the good way, the bad way, or not at all since its baseline."""
    if latest == baseline:
        return Movement.UNCHANGED
    went_up = latest > baseline
    return Movement.IMPROVING if went_up == (better == "up") else Movement.WORSENING


def target_reached(latest: float, target: float, better: BetterDirection) -> bool:
    return latest <= target if better == "down" else latest >= target


def effect(indicator: Mapping[str, Any], readings: list[tuple[str, float]]) -> dict[str, Any]:
    """How one indicator developed: its readings in date order, the change since baseline, the trend.

    `readings` are (ISO date, value) pairs from the follow-ups and the evaluation.
    """
    series = [{"on": on, "value": value} for on, value in sorted(readings, key=lambda r: r[0])]
    if not series:
        return {"series": [], "latest": None, "change": None, "trend": "not_measured", "target_reached": False}
    latest = series[-1]["value"]
    return {
        "series": series,
        "latest": latest,
        "change": round(latest - indicator["baseline"], 4),
        "trend": movement(indicator["baseline"], latest, indicator["better"]).value,
        "target_reached": target_reached(latest, indicator["target"], indicator["better"]),
    }


def _fmt(value: float) -> str:
    return f"{value:g}"
