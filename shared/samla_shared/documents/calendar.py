"""iCalendar (RFC 5545) feeds and attachments, written with the icalendar library.

Times are written in UTC (`...Z`), which every calendar application reads and which
needs no VTIMEZONE blocks; the apps show them in the reader's own zone. Each event's UID
is stable (the session id) and its SEQUENCE grows with every reschedule or cancellation,
so a subscribed calendar updates the event in place instead of adding a copy. A cancelled
session stays in the feed with STATUS:CANCELLED, so calendars strike it out rather than
keep it. The library folds long lines at 75 octets without splitting a UTF-8 character
and escapes TEXT values, which the hand-written writer this replaced had to do itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

PRODUCT_ID = "-//Samla//Samla 1.0//EN"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    updated_at: datetime | None = None
    location: str | None = None
    description: str | None = None
    url: str | None = None
    cancelled: bool = False
    sequence: int = 0


def calendar_of(name: str, events: Iterable[CalendarEvent], *, now: datetime, method: str = "PUBLISH",
                refresh_hours: int | None = 1) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    if refresh_hours:
        # How often subscribers should fetch the feed again (RFC 7986, and the older X- form).
        calendar.add("refresh-interval", timedelta(hours=refresh_hours), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", f"PT{refresh_hours}H")
    for event in events:
        calendar.add_component(_component(event, now))
    return calendar


def _component(event: CalendarEvent, now: datetime) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", now.astimezone(UTC))
    component.add("dtstart", event.starts_at.astimezone(UTC))
    component.add("dtend", event.ends_at.astimezone(UTC))
    component.add("sequence", event.sequence)
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    component.add("summary", event.summary)
    if event.updated_at:
        component.add("last-modified", event.updated_at.astimezone(UTC))
    if event.location:
        component.add("location", event.location)
    if event.url:
        component.add("url", "".join(c for c in event.url if c.isprintable()))
    if event.description:
        component.add("description", event.description)
    return component


def render_calendar(name: str, events: Iterable[CalendarEvent], *, now: datetime, refresh_hours: int = 1) -> bytes:
    """A subscription feed (METHOD:PUBLISH) as the bytes to serve."""
    return calendar_of(name, events, now=now, refresh_hours=refresh_hours).to_ical()
