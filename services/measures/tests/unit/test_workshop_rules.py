"""Rules of series, plans, staff input and competences, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from samla_shared.contract.measures import IndicatorKind, SeriesKind
from samla_measures.domain import competences, plans, series, unit_input
from samla_measures.domain.errors import Conflict, RuleViolation

TODAY = date(2026, 12, 6)


def test_a_period_is_a_past_or_current_month():
    assert series.check_period("2026-12", TODAY) == "2026-12"
    for bad in ("2027-01", "2026-13", "26-01", "2026-1"):
        with pytest.raises(RuleViolation):
            series.check_period(bad, TODAY)


def test_a_series_keeps_one_value_per_month_and_is_bounded():
    readings = series.with_reading({"2026-01": 5.0}, "2026-01", 6.0)
    assert readings == {"2026-01": 6.0}
    full = {f"{2000 + i // 12}-{i % 12 + 1:02d}": 1.0 for i in range(series.MAX_PERIODS)}
    assert len(series.with_reading(full, "2000-01", 2.0)) == series.MAX_PERIODS  # a correction still fits
    with pytest.raises(RuleViolation):
        series.with_reading(full, "2026-12", 2.0)


def test_only_an_indicator_of_the_same_kind_or_a_custom_one_follows_a_series():
    assert series.linkable(IndicatorKind.SICK_LEAVE_PERCENT, SeriesKind.SICK_LEAVE_PERCENT)
    assert series.linkable(IndicatorKind.CUSTOM, SeriesKind.AVERAGE_POSITION_SIZE_PERCENT)
    assert not series.linkable(IndicatorKind.TURNOVER_PERCENT, SeriesKind.SICK_LEAVE_PERCENT)


def test_the_trend_across_units_counts_units_that_report_only_once_in_the_means_not_the_movement():
    trend = series.network_trend(SeriesKind.FULL_TIME_SHARE_PERCENT,
                                 {"a": {"2026-01": 40.0, "2026-02": 45.0}, "b": {"2026-02": 35.0}})
    assert [(p["period"], p["mean"], p["units_reporting"]) for p in trend["periods"]] == [
        ("2026-01", 40.0, 1), ("2026-02", 40.0, 2)]
    assert (trend["units_improving"], trend["units_unchanged"], trend["average_change"]) == (1, 0, 5.0)


def test_milestones_move_towards_the_target_before_its_date():
    ok = plans.check_plan(kind=SeriesKind.FULL_TIME_SHARE_PERCENT, start_value=40, target_value=60,
                          target_date=date(2028, 12, 31), today=TODAY,
                          milestones=[{"due_on": date(2028, 1, 1), "value": 55}, {"due_on": date(2027, 6, 1), "value": 48}])
    assert [m["value"] for m in ok] == [48, 55]
    with pytest.raises(RuleViolation):
        plans.check_plan(kind=SeriesKind.SICK_LEAVE_PERCENT, start_value=9, target_value=6,
                         target_date=date(2028, 12, 31), today=TODAY,
                         milestones=[{"due_on": date(2027, 1, 1), "value": 7}, {"due_on": date(2027, 6, 1), "value": 8}])


def test_a_plans_progress_and_overdue_milestones_come_from_the_series():
    plan = plans.Plan(id="p1", network_id="net-1", organisation_id="org-1", title="Heltid",
                      kind=SeriesKind.FULL_TIME_SHARE_PERCENT, unit_ids=["u-1", "u-2"], start_value=40.0,
                      target_value=60.0, target_date=date(2027, 12, 31),
                      milestones=[{"id": "m1", "due_on": "2026-06-30", "value": 45.0},
                                  {"id": "m2", "due_on": "2026-11-30", "value": 50.0}])
    units = [{"2026-05": 44.0, "2026-10": 47.0}, {"2026-06": 48.0, "2026-11": 49.0}]
    found = plans.progress(plan, units, TODAY)
    assert (found["current_value"], found["progress_percent"]) == (48.0, 40.0)
    m1, m2 = found["milestones"]
    assert (m1["value_at_due"], m1["reached"], m1["overdue"]) == (46.0, True, False)
    assert (m2["value_at_due"], m2["reached"], m2["overdue"]) == (48.0, False, True)


def _item(status: str, measure_id: str | None = None) -> unit_input.Item:
    return unit_input.Item(id="i1", text="Faste vakter", area="full_time_culture", kind="idea",
                           source=unit_input.ItemSource.STAFF, submitted_by="p1",
                           submitted_at=datetime(2026, 12, 1, tzinfo=UTC), status=unit_input.ItemStatus(status),
                           measure_id=measure_id)


def test_an_item_is_ranked_before_it_becomes_a_measure_and_only_once():
    item = _item("open")
    with pytest.raises(Conflict):
        unit_input.check_can_become_measure(item)
    assert unit_input.prioritised(item, rank=1) == "prioritised"
    assert unit_input.prioritised(item, rank=None) == "set_aside"
    with pytest.raises(Conflict):
        unit_input.prioritised(_item("proposed", "m"), rank=1)


def test_only_the_hash_of_a_link_is_kept():
    token, hashed = unit_input.new_link_token()
    assert token not in hashed and unit_input.link_hash(token) == hashed and len(token) >= 32


def test_coverage_counts_members_holding_every_required_competence():
    frame = competences.CompetenceFrame(
        organisation_id="org-1", network_id="net-1",
        staff_types={"nurse": competences.StaffType(name="Sygeplejerske", competence_ids=["a", "b"]),
                     "helper": competences.StaffType(name="Hjælper", competence_ids=["a"])},
        staff={"p1": "nurse", "p2": "nurse"})

    def holder(person_id: str, cohort_id: str, competence_ids: list[str]) -> competences.CompetenceHolder:
        return competences.CompetenceHolder(person_id=person_id, completions={cohort_id: competences.Completion(
            programme_id="prog-1", organisation_id="org-1", network_id="net-1",
            completed_at=datetime(2026, 12, 1, tzinfo=UTC), competence_ids=competence_ids)})
    people = {"p1": holder("p1", "c1", ["a", "b"]), "p2": holder("p2", "c2", ["a"])}
    nurse, helper = sorted(competences.coverage(frame, people), key=lambda t: t["staff_type_id"], reverse=True)
    assert (nurse["fully_covered"], nurse["coverage_percent"], nurse["gaps"]) == (1, 50.0, [
        {"person_id": "p2", "missing": ["b"]}])
    assert (helper["members"], helper["coverage_percent"]) == (0, None)
