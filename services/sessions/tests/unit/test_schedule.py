"""A cohort's schedule from its programme's gathering-plan template, in local time stored as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from samla_shared.contract.enrollment import GatheringKind, PlannedGathering
from samla_sessions.domain.errors import RuleViolation
from samla_sessions.domain.schedule import DayHours, as_utc, first_working_start, follow_up_day, generate_schedule

K = GatheringKind
# Seed 000: a 2-day kickoff, a 1-day gathering, a digital meeting and a 1-day closing.
KULT = [
    PlannedGathering(kind=K.KICKOFF, days=2),
    PlannedGathering(kind=K.GATHERING, days=1, weeks_after_previous=6),
    PlannedGathering(kind=K.DIGITAL_MEETING, days=1, online=True, weeks_after_previous=4),
    PlannedGathering(kind=K.CLOSING, days=1, weeks_after_previous=6),
]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_kult_plan_becomes_four_sessions_at_local_hours_on_both_sides_of_daylight_saving_time():
    sessions = generate_schedule(KULT, starts_on=date(2027, 1, 4), time_zone="Europe/Oslo")
    assert [(s.kind, s.title, s.starts_at, s.ends_at, s.online) for s in sessions] == [
        (K.KICKOFF, "Oppstartssamling", utc(2027, 1, 4, 8), utc(2027, 1, 5, 15), False),  # Mon–Tue, CET
        (K.GATHERING, "Samling", utc(2027, 2, 15, 8), utc(2027, 2, 15, 15), False),
        (K.DIGITAL_MEETING, "Digitalt møte", utc(2027, 3, 15, 8), utc(2027, 3, 15, 11), True),
        # 26 April is after the switch to summer time on 28 March: 09:00 in Oslo is 07:00 UTC.
        (K.CLOSING, "Avslutningssamling", utc(2027, 4, 26, 7), utc(2027, 4, 26, 14), False),
    ]
    assert all(s.mandatory for s in sessions)


def test_a_two_day_gathering_that_would_run_into_the_weekend_moves_to_monday():
    assert first_working_start(date(2027, 1, 8), 2) == date(2027, 1, 11)  # Friday → Monday
    assert first_working_start(date(2027, 1, 7), 2) == date(2027, 1, 7)  # Thursday–Friday stays
    [kickoff] = generate_schedule(KULT[:1], starts_on=date(2027, 1, 8), time_zone="Europe/Oslo")
    assert kickoff.starts_at == utc(2027, 1, 11, 8)


def test_a_follow_up_day_is_added_the_given_weeks_after_the_closing_and_is_not_mandatory():
    sessions = generate_schedule(KULT, starts_on=date(2027, 1, 4), time_zone="Europe/Oslo", language="da",
                                 follow_up_weeks_after_closing=12)
    follow_up = sessions[-1]
    assert (follow_up.kind, follow_up.title, follow_up.mandatory) == (K.FOLLOW_UP_DAY, "Opfølgningsdag", False)
    assert follow_up.starts_at == utc(2027, 7, 19, 7)  # 12 weeks after Monday 26 April
    assert follow_up_day(date(2027, 4, 26), 1) == date(2027, 5, 3)


def test_a_follow_up_day_needs_a_closing_to_follow():
    with pytest.raises(RuleViolation, match="no closing"):
        generate_schedule(KULT[:2], starts_on=date(2027, 1, 4), time_zone="Europe/Oslo",
                          follow_up_weeks_after_closing=8)


def test_copenhagen_cohorts_use_their_own_hours_and_repeated_kinds_are_numbered():
    plan = [PlannedGathering(kind=K.WEBINAR, days=1, online=True),
            PlannedGathering(kind=K.WEBINAR, days=1, online=True, weeks_after_previous=2)]
    sessions = generate_schedule(plan, starts_on=date(2027, 9, 6), time_zone="Europe/Copenhagen", language="en",
                                 online=DayHours(time(13), time(14, 30)))
    assert [(s.title, s.starts_at, s.ends_at) for s in sessions] == [
        ("Webinar 1", utc(2027, 9, 6, 11), utc(2027, 9, 6, 12, 30)),
        ("Webinar 2", utc(2027, 9, 20, 11), utc(2027, 9, 20, 12, 30)),
    ]


def test_an_empty_plan_cannot_be_generated_from():
    with pytest.raises(RuleViolation, match="no gathering plan"):
        generate_schedule([], starts_on=date(2027, 1, 4), time_zone="Europe/Oslo")


def test_times_without_an_offset_are_wall_clock_time_in_the_cohorts_zone():
    assert as_utc(datetime(2027, 6, 1, 9, 0), "Europe/Oslo") == utc(2027, 6, 1, 7)
    assert as_utc(datetime(2027, 6, 1, 9, 0, tzinfo=UTC), "Europe/Oslo") == utc(2027, 6, 1, 9)


def test_a_follow_up_day_counts_its_weeks_from_the_last_day_of_a_two_day_closing():
    plan = [PlannedGathering(kind=K.KICKOFF, days=1), PlannedGathering(kind=K.CLOSING, days=2, weeks_after_previous=4)]
    *_, follow_up = generate_schedule(plan, starts_on=date(2027, 1, 4), time_zone="Europe/Oslo",
                                      follow_up_weeks_after_closing=2)
    assert follow_up.starts_at == utc(2027, 2, 16, 8)  # closing Mon 1 – Tue 2 February, then two weeks
