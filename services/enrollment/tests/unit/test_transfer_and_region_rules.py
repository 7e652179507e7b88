"""Where a participant may be moved, which cohort a deferral picks, and how regions are counted."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from samla_enrollment.domain.cohorts import CohortStatus, has_started
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.interest import region_key
from samla_enrollment.domain.transfers import check_target, next_cohort


def cohort(id_: str, opens: int, programme: str = "p1") -> dict:
    return {"_id": id_, "programme_id": programme, "applications_open_at": datetime(2027, opens, 1, tzinfo=UTC)}


def test_a_deferral_picks_the_cohort_opening_next_that_has_not_started():
    source = cohort("spring", 1)
    candidates = [cohort("later", 9), cohort("started", 3), cohort("sooner", 5), cohort("spring", 1),
                  cohort("earlier", 1)]
    assert next_cohort(source, candidates, [False, True, False, False, False])["_id"] == "sooner"
    with pytest.raises(Conflict, match="no later cohort"):
        next_cohort(source, candidates[3:], [False, False])


def test_a_transfer_stays_in_the_programme_and_out_of_started_cohorts():
    source = cohort("spring", 1)
    with pytest.raises(Conflict, match="already in this cohort"):
        check_target(source, source, target_started=False)
    with pytest.raises(RuleViolation, match="same programme"):
        check_target(source, cohort("other", 5, programme="p2"), target_started=False)
    with pytest.raises(Conflict, match="has started"):
        check_target(source, cohort("autumn", 5), target_started=True)
    check_target(source, cohort("autumn", 5), target_started=False)


def test_a_cohort_has_started_when_running_or_on_its_first_day_in_its_own_time_zone():
    late_evening_utc = datetime(2027, 8, 31, 22, 30, tzinfo=UTC)  # already 1 September in Oslo
    assert has_started(status=CohortStatus.OPEN, starts_on="2027-09-01", time_zone="Europe/Oslo",
                       now=late_evening_utc)
    assert not has_started(status=CohortStatus.OPEN, starts_on=date(2027, 9, 2), time_zone="Europe/Oslo",
                           now=late_evening_utc)
    assert has_started(status=CohortStatus.RUNNING, starts_on=None, time_zone="Europe/Oslo", now=late_evening_utc)
    assert not has_started(status=CohortStatus.CLOSED, starts_on=None, time_zone="Europe/Oslo", now=late_evening_utc)


def test_regions_written_differently_count_together():
    assert region_key("  nordland ") == region_key("Nordland") == "Nordland"
    assert region_key("Møre og  Romsdal") == "Møre og Romsdal"
    assert region_key("") is None and region_key(None) is None
