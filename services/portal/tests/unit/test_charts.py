"""The indicator chart's geometry: baseline first, readings in date order, the range fitted to the figures."""

from __future__ import annotations

from datetime import date

from samla_portal.domain.charts import chart_of, series_of

SICK_LEAVE = {"id": "ind-1", "kind": "sick_leave_percent", "name": "Sykefravær", "unit": "%", "baseline": 8.5,
              "baseline_date": "2026-10-01", "target": 6.0, "better": "down", "scale_min": 0, "scale_max": 100}


def follow_up(on: str, value: float, indicator: str = "ind-1") -> dict:
    return {"held_on": on, "readings": [{"indicator_id": indicator, "value": value}]}


def test_the_series_starts_at_the_baseline_and_takes_only_this_indicators_readings_in_date_order() -> None:
    found = series_of(SICK_LEAVE, [follow_up("2027-02-01", 6.5), follow_up("2026-12-01", 7.2),
                                   follow_up("2026-12-01", 99, indicator="other")])
    assert found == [(date(2026, 10, 1), 8.5), (date(2026, 12, 1), 7.2), (date(2027, 2, 1), 6.5)]


def test_the_chart_fits_the_figures_not_the_whole_percentage_scale_and_goes_down_as_sick_leave_falls() -> None:
    chart = chart_of(SICK_LEAVE, [follow_up("2026-12-01", 7.2)])
    values = [value for value, _ in chart.ticks]
    assert values[0] >= 0 and values[-1] < 20
    first, last = chart.points
    assert first.baseline and not last.baseline
    assert last.x > first.x and last.y > first.y  # later, and lower on the chart (SVG y grows downwards)
    assert chart.target_y > chart.baseline_y  # a target below the baseline is drawn below it
    assert chart.path.startswith("M") and chart.path.count("L") == 1


def test_a_measure_without_readings_yet_shows_its_baseline_alone() -> None:
    chart = chart_of(SICK_LEAVE, [])
    assert len(chart.points) == 1 and chart.latest.value == 8.5


def test_a_units_series_marks_each_measure_where_it_started_and_the_axis_reaches_an_earlier_one() -> None:
    from samla_portal.domain.charts import series_chart_of

    chart = series_chart_of("sick_leave_percent", "%", [(date(2026, 3, 1), 9.0), (date(2026, 6, 1), 7.0)], [
        {"title": "Sykefraværsrutiner", "proposed_on": "2026-01-10", "adopted_on": "2026-02-01"},
        {"title": "Fadderordning", "proposed_on": "2026-05-02", "adopted_on": None}])
    early, later = chart.marks
    assert (early.number, early.on, early.adopted) == (1, date(2026, 2, 1), True)
    assert (later.on, later.adopted) == (date(2026, 5, 2), False)
    assert early.x == chart.left  # the earliest date starts the axis
    assert chart.points[0].x > early.x and chart.points[-1].x == chart.right
    assert chart.points[-1].y > chart.points[0].y  # lower sick leave is lower on the chart
    assert 0 <= chart.ticks[0][0] and chart.ticks[-1][0] <= 100
