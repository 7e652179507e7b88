"""The .ics attachment of a session reminder (RFC 5545), built with the icalendar library.

The UID is the session's, so a calendar that imported an earlier reminder updates the same
entry, and SEQUENCE grows with each reschedule so clients know which version is newer.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from samla_notifications.domain.notices import CalendarEntry


def session_calendar(entry: CalendarEntry, *, summary: str, stamp: datetime, language: str) -> bytes:
    zone = ZoneInfo(entry.time_zone)
    calendar = Calendar()
    calendar.add("prodid", f"-//Samla//Notifications//{language.upper()}")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.starts_at.astimezone(zone))
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("summary", summary)
    event.add("sequence", entry.sequence)
    if entry.location:
        event.add("location", entry.location)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
