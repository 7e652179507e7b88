"""Lookup from a CloudEvents `ce_type` to the model that validates its data."""

from __future__ import annotations

from samla_shared.contract import directory, enrollment, measures, sessions
from samla_shared.contract.base import IntegrationEvent

EVENT_TYPES: dict[str, type[IntegrationEvent]] = {
    cls.event_type(): cls for module in (enrollment, directory, sessions, measures) for cls in module.EVENTS
}


def event_class(event_type: str) -> type[IntegrationEvent] | None:
    return EVENT_TYPES.get(event_type)
