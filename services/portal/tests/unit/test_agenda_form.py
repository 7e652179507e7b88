"""The agenda form's rows become the sessions API's items: empty rows dropped, a day joined to its times."""

from __future__ import annotations

from samla_portal.service_layer.gatherings import agenda_rows, session_days


def test_filled_rows_become_items_and_empty_rows_are_dropped() -> None:
    form = {"start-1": "09:00", "end-1": "09:30", "title-1": "Velkommen", "kind-1": "welcome",
            "start-2": "", "end-2": "", "title-2": "", "kind-2": "welcome",
            "day-3": "2027-01-05", "start-3": "10:00", "end-3": "11:00", "title-3": "Gruppearbeid", "kind-3": "group_work"}
    assert agenda_rows(form) == [
        {"starts_at": "09:00", "ends_at": "09:30", "title": "Velkommen", "kind": "welcome"},
        {"starts_at": "2027-01-05T10:00", "ends_at": "2027-01-05T11:00", "title": "Gruppearbeid", "kind": "group_work"}]


def test_a_two_day_session_offers_both_of_its_days() -> None:
    session = {"starts_at": "2027-01-04T09:00:00+01:00", "ends_at": "2027-01-05T16:00:00+01:00"}
    assert session_days(session) == ["2027-01-04", "2027-01-05"]
