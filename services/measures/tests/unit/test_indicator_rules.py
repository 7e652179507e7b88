"""What a valid indicator and reading is, and how movement is read."""

from __future__ import annotations

from datetime import date

import pytest

from samla_shared.contract.measures import IndicatorKind
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.indicators import Movement, check_value, define_indicator, effect, movement

TODAY = date(2027, 3, 1)


def define(**overrides):
    values = dict(kind=IndicatorKind.SICK_LEAVE_PERCENT, name=None, unit=None, baseline=9.5,
                  baseline_date=date(2027, 1, 1), target=7.0, better=None, scale_min=None, scale_max=None, today=TODAY)
    return define_indicator(**(values | overrides))


def test_a_sick_leave_indicator_is_a_percentage_where_down_is_better():
    spec = define()
    assert (spec.unit, spec.better, spec.scale_min, spec.scale_max) == ("%", "down", 0.0, 100.0)


@pytest.mark.parametrize("field, value", [("baseline", 101.0), ("baseline", -0.5), ("target", 120.0)])
def test_percentages_stay_within_0_and_100(field, value):
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        define(**{field: value, "target": 5.0 if field == "baseline" else value})


def test_a_baseline_date_in_the_future_is_refused():
    with pytest.raises(RuleViolation, match="in the future"):
        define(baseline_date=date(2027, 3, 2))


def test_the_target_must_be_on_the_better_side_of_the_baseline():
    with pytest.raises(RuleViolation, match="below the baseline"):
        define(baseline=9.5, target=11.0)
    with pytest.raises(RuleViolation, match="above the baseline"):
        define(kind=IndicatorKind.FULL_TIME_SHARE_PERCENT, baseline=40.0, target=35.0)


def test_a_custom_indicator_must_say_what_it_is_and_which_way_is_better():
    with pytest.raises(RuleViolation) as refused:
        define(kind=IndicatorKind.CUSTOM, baseline=3, target=5)
    assert refused.value.extensions["missing_fields"] == ["name", "unit", "better"]
    spec = define(kind=IndicatorKind.CUSTOM, name="Avvik per måned", unit="count", better="down",
                  baseline=12, target=6)
    assert spec.better == "down"


def test_a_survey_score_respects_its_own_scale():
    spec = define(kind=IndicatorKind.SURVEY_SCORE, baseline=3.1, target=4.0, scale_min=1.0, scale_max=5.0)
    with pytest.raises(RuleViolation, match="between 1 and 5"):
        check_value(spec.as_fields(), 6.0)


def test_a_percentage_cannot_get_another_unit():
    with pytest.raises(RuleViolation, match="measured in %"):
        define(unit="days")


def test_movement_depends_on_which_direction_is_better():
    assert movement(9.5, 8.0, "down") is Movement.IMPROVING
    assert movement(9.5, 10.0, "down") is Movement.WORSENING
    assert movement(40.0, 45.0, "up") is Movement.IMPROVING
    assert movement(40.0, 40.0, "up") is Movement.UNCHANGED


def test_an_effect_orders_the_readings_and_compares_the_latest_with_baseline_and_target():
    indicator = define().as_fields()
    shown = effect(indicator, [("2027-05-01", 6.8), ("2027-03-01", 8.9)])
    assert [r["value"] for r in shown["series"]] == [8.9, 6.8]
    assert (shown["latest"], shown["change"], shown["trend"], shown["target_reached"]) == (6.8, -2.7, "improving", True)
    assert effect(indicator, [])["trend"] == "not_measured"
