"""The participant's plan as an RFC 5545 feed that calendar applications can subscribe to, read back with the
icalendar parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samla_shared.contract.enrollment import GatheringKind
from icalendar import Calendar

from samla_shared.documents.calendar import CalendarEvent, render_calendar
from samla_sessions.domain.agenda import AgendaItem, AgendaItemKind, DialogueStep
from samla_sessions.domain.session import Assignment, Material, Session
from samla_sessions.service_layer.participant_plan import calendar_event

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
START = datetime(2027, 2, 15, 8, tzinfo=UTC)


def kickoff() -> Session:
    return Session(
        id="s1", cohort_id="c1", programme_id="p1", network_id="n1", kind=GatheringKind.KICKOFF,
        title="Oppstartssamling: kultur, verdier og gruppenormer i helse- og omsorgssektoren, dag én og to",
        starts_at=START, ends_at=START + timedelta(days=1, hours=7), time_zone="Europe/Oslo", online=False,
        mandatory=True, venue="Møterom Ærfugl; 3. etasje", city="Oslo",
        agenda=[AgendaItem(START, START + timedelta(minutes=15), "Innsjekk", AgendaItemKind.CHECK_IN),
                AgendaItem(START + timedelta(hours=1), START + timedelta(hours=3, minutes=30), "Dialogduk",
                           AgendaItemKind.DIALOGUE_EXERCISE, steps=(DialogueStep("Oppvarming", 15),), group_size=4)],
        materials=[Material("Slides", "https://example.no/slides.pdf")],
        assignments=[Assignment("Kapittel 3", "reading")],
    )


def feed_of(*sessions: Session) -> bytes:
    return render_calendar("Min plan", [calendar_event(s) for s in sessions], now=NOW)


def the_event(feed: bytes):
    [event] = Calendar.from_ical(feed).walk("VEVENT")
    return event


def test_the_feed_is_a_calendar_of_crlf_lines_none_longer_than_75_octets_even_with_norwegian_letters():
    feed = feed_of(kickoff())
    lines = feed.decode().removesuffix("\r\n").split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and "METHOD:PUBLISH" in lines and any(line.startswith("PRODID:") for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines), "the long summary was folded"
    assert str(the_event(feed)["SUMMARY"]) == kickoff().title


def test_events_are_in_utc_with_a_stable_uid_and_the_place_intact():
    event = the_event(feed_of(kickoff()))
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(days=1, hours=7)
    assert "DTSTART:20270215T080000Z" in feed_of(kickoff()).decode()
    assert str(event["UID"]) == "s1@sessions.samla"
    assert str(event["LOCATION"]) == "Møterom Ærfugl; 3. etasje, Oslo"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0


def test_the_description_shows_the_agenda_in_local_time_with_dialogue_steps_materials_and_reading():
    text = str(the_event(feed_of(kickoff()))["DESCRIPTION"])
    assert "2027-02-15 09:00–09:15 Innsjekk" in text  # 08:00 UTC is 09:00 in Oslo in winter
    assert "1. Oppvarming (15 min)" in text
    assert "- Slides: https://example.no/slides.pdf" in text and "- Reading: Kapittel 3" in text


def test_a_cancelled_rescheduled_session_stays_in_the_feed_marked_cancelled_with_a_higher_sequence():
    session = kickoff()
    session.reschedule(START + timedelta(days=7), START + timedelta(days=8, hours=7), reason="venue", now=NOW)
    session.cancel(reason="too few participants", now=NOW)
    event = the_event(feed_of(session))
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 2
    assert event.decoded("DTSTART") == START + timedelta(days=7)


def test_an_event_without_a_link_has_no_url():
    event = CalendarEvent(uid="x", starts_at=START, ends_at=START + timedelta(hours=1), summary="Ok")
    assert b"URL" not in render_calendar("Plan", [event], now=NOW)
