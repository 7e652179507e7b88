"""An iCalendar (RFC 5545) feed writer, small enough to own instead of adding a dependency.

Times are written in UTC (`...Z`), which every calendar application reads and which
needs no VTIMEZONE blocks; the apps show them in the reader's own zone. Each event's
UID is stable (the session id), and SEQUENCE grows with each reschedule, so a subscribed
calendar updates the event in place instead of adding a copy. Cancelled sessions stay
in the feed with STATUS:CANCELLED, so calendars strike them out rather than keep them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded
PRODUCT_ID = "-//Samla//Sessions 1.0//EN"


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


def render_calendar(name: str, events: Iterable[CalendarEvent], *, now: datetime,
                    refresh_hours: int = 1) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        # How often subscribers should fetch the feed again (RFC 7986, and the older X- form).
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_hours}H",
        f"X-PUBLISHED-TTL:PT{refresh_hours}H",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(now)}",
            f"DTSTART:{utc_stamp(event.starts_at)}",
            f"DTEND:{utc_stamp(event.ends_at)}",
            f"SEQUENCE:{event.sequence}",
            f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.updated_at:
            lines.append(f"LAST-MODIFIED:{utc_stamp(event.updated_at)}")
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.url:
            lines.append(f"URL:{''.join(c for c in event.url if c.isprintable())}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks are escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size = "", 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            # Continuation lines start with a space, which counts towards their 75 octets.
            current, size, limit = "", 0, MAX_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)
