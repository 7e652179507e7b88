"""The calendar day people in a Nordic deployment are living in, whatever zone the server keeps."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from samla_shared.clock import local_today


def test_just_after_midnight_in_oslo_it_is_already_tomorrow_though_utc_says_today():
    assert local_today(datetime(2026, 12, 6, 23, 5, tzinfo=UTC)) == date(2026, 12, 7)
    assert local_today(datetime(2026, 12, 6, 22, 55, tzinfo=UTC)) == date(2026, 12, 6)


def test_in_summer_the_day_turns_two_hours_before_utc():
    assert local_today(datetime(2027, 6, 30, 22, 1, tzinfo=UTC)) == date(2027, 7, 1)
    assert local_today(datetime(2027, 6, 30, 21, 59, tzinfo=UTC)) == date(2027, 6, 30)


def test_copenhagen_keeps_the_same_day_as_oslo():
    now = datetime(2027, 3, 28, 23, 30, tzinfo=UTC)
    assert local_today(now, ZoneInfo("Europe/Copenhagen")) == local_today(now) == date(2027, 3, 29)
