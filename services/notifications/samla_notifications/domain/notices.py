"""A notice: one mail that should reach one person about one fact, before it is rendered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from samla_notifications.domain.kinds import Kind
from samla_notifications.domain.links import default_page


@dataclass(frozen=True)
class CalendarEntry:
    """What a session reminder's .ics attachment describes."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    location: str | None
    sequence: int


@dataclass(frozen=True)
class Notice:
    """Who should hear what about which fact.

    `fact_id` names the fact (an event id, or a reminder's own fact), and with the
    recipient and kind makes the delivery key. `about_person_id` is someone the mail
    mentions by name (the applicant, in the manager's mail); the name is looked up at send
    time and never stored here. `context` holds the template data that is not personal.
    `link` is the portal page (a path) where the recipient acts on the mail, if any.
    """

    kind: Kind
    recipient_id: str
    fact_id: str
    event_id: str
    event_type: str
    network_id: str
    time_zone: str
    occurred_at: datetime
    context: dict[str, Any] = field(default_factory=dict)
    about_person_id: str | None = None
    calendar: CalendarEntry | None = None
    link: str | None = None


@dataclass(frozen=True)
class Fact:
    """The event a set of notices reports, and the time zone its dates are shown in."""

    event_id: str
    event_type: str
    network_id: str
    time_zone: str
    occurred_at: datetime

    def notice(self, kind: Kind, recipient_id: str, context: dict[str, Any], *, fact_id: str | None = None,
               about_person_id: str | None = None, calendar: CalendarEntry | None = None,
               occurred_at: datetime | None = None, link: str | None = None) -> Notice:
        """A notice of this fact; a participant's mail links to their own page unless told otherwise."""
        return Notice(kind=kind, recipient_id=recipient_id, fact_id=fact_id or self.event_id,
                      event_id=self.event_id, event_type=self.event_type, network_id=self.network_id,
                      time_zone=self.time_zone, occurred_at=occurred_at or self.occurred_at, context=context,
                      about_person_id=about_person_id, calendar=calendar, link=link or default_page(kind))


def agreement_fact(measure_id: str) -> str:
    """The fact a representative's request to agree reports: the measure, so each is asked once per measure."""
    return f"agreement-requested:{measure_id}"
