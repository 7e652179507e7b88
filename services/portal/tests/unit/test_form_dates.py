"""A form's default date is the day on the wall where the deployment is, as measures judges "today":
a follow-up dated by the server's UTC clock just after midnight would be refused as before the adoption."""

from __future__ import annotations

from datetime import UTC, date, datetime

from samla_portal.entrypoints.rendering import Renderer


def just_after_midnight_in_norway() -> datetime:
    return datetime(2026, 12, 6, 23, 5, tzinfo=UTC)


def test_a_norwegian_deployment_defaults_to_the_norwegian_day() -> None:
    assert Renderer({}, "Europe/Oslo", clock=just_after_midnight_in_norway).today() == date(2026, 12, 7)


def test_a_danish_deployment_defaults_to_the_danish_day() -> None:
    assert Renderer({}, "Europe/Copenhagen", clock=just_after_midnight_in_norway).today() == date(2026, 12, 7)
