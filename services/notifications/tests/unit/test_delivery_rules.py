"""Delivery rules without I/O: claims, categories, language, reminder moments, the message itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from samla_notifications.adapters.calendar import session_calendar
from samla_notifications.adapters.mailer import compose_message
from samla_notifications.adapters.templates import RenderedMail
from samla_notifications.domain.deliveries import ClaimOutcome, decide_claim, delivery_key, is_stale, message_id
from samla_notifications.domain.kinds import Category, Kind, is_wanted
from samla_notifications.domain.language import choose_language
from samla_notifications.domain.notices import CalendarEntry
from samla_notifications.domain.reminders import follow_up_fire_at, reminder_fact, session_reminder_times

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def test_a_finished_delivery_is_never_sent_again():
    for status in ("sent", "rejected", "opted_out", "no_contact", "expired"):
        assert decide_claim(status, None, NOW, LEASE) is ClaimOutcome.SKIP


def test_a_fresh_claim_is_waited_for_and_a_stale_one_is_taken_over():
    assert decide_claim("sending", NOW - timedelta(seconds=5), NOW, LEASE) is ClaimOutcome.WAIT
    assert decide_claim("sending", NOW - timedelta(minutes=5), NOW, LEASE) is ClaimOutcome.SEND
    assert decide_claim("retrying", NOW, NOW, LEASE) is ClaimOutcome.SEND
    assert decide_claim("failed", NOW, NOW, LEASE) is ClaimOutcome.SEND


def test_a_resent_mail_carries_the_same_message_id():
    key = delivery_key("event-1", "person-1", "enrolled")
    assert message_id(key, "samla.no") == message_id(key, "samla.no")
    assert message_id(key, "samla.no") != message_id(delivery_key("event-2", "person-1", "enrolled"), "samla.no")


def test_mandatory_service_messages_ignore_opt_outs():
    opted_out = set(Category)
    assert is_wanted(Kind.APPLICATION_DECLINED, opted_out)
    assert is_wanted(Kind.SESSION_CANCELLED, opted_out)
    assert not is_wanted(Kind.SESSION_REMINDER, {Category.REMINDERS})
    assert is_wanted(Kind.SESSION_REMINDER, {Category.NEW_COHORTS})


def test_language_is_the_preference_then_enrollments_then_the_networks():
    assert choose_language(preferred="en", from_contact="da", network_default="nb") == "en"
    assert choose_language(preferred=None, from_contact="da", network_default="nb") == "da"
    assert choose_language(preferred=None, from_contact=None, network_default="da") == "da"
    assert choose_language(preferred=None, from_contact="sv", network_default="xx") == "nb"


def test_facts_older_than_the_horizon_are_not_mailed():
    assert is_stale(NOW - timedelta(days=5), NOW, timedelta(hours=72))
    assert not is_stale(NOW - timedelta(hours=2), NOW, timedelta(hours=72))


def test_session_reminders_whose_moment_had_passed_when_planned_are_left_out():
    starts = NOW + timedelta(days=3)
    assert [t.days_before for t in session_reminder_times(starts, [7, 1], known_at=NOW)] == [1]
    assert [t.fire_at for t in session_reminder_times(starts + timedelta(days=7), [1, 7], known_at=NOW)] == [
        starts, starts + timedelta(days=6)]


def test_a_moved_session_makes_its_reminders_new_facts():
    assert reminder_fact("s-1", NOW, 7) != reminder_fact("s-1", NOW + timedelta(days=1), 7)
    assert reminder_fact("s-1", NOW, 7) == reminder_fact("s-1", NOW.astimezone(), 7), "same instant, same fact"


def test_follow_up_reminders_go_out_in_the_morning_local_time():
    assert follow_up_fire_at(date(2027, 6, 1), "Europe/Oslo", 8) == datetime(2027, 6, 1, 6, tzinfo=UTC)
    assert follow_up_fire_at(date(2027, 1, 4), "Europe/Copenhagen", 8) == datetime(2027, 1, 4, 7, tzinfo=UTC)


def test_a_mail_has_text_and_html_alternatives_and_its_headers_on_top():
    rendered = RenderedMail("Påminnelse", "Hei Kari\n", "<p>Hei Kari</p>\n", "Samling")
    message = compose_message(sender="Samla <no-reply@samla.no>", to_name="Kari Nordmann",
                              to_address="kari@example.no", rendered=rendered, message_id="<abc@samla.no>",
                              language="nb", date=NOW, kind="session_reminder", calendar=b"BEGIN:VCALENDAR\r\n")
    assert message.get_content_type() == "multipart/mixed"
    leaves = [p.get_content_type() for p in message.walk() if not p.is_multipart()]
    assert leaves == ["text/plain", "text/html", "text/calendar"]
    assert message["Content-Language"] == "nb" and message["Message-ID"] == "<abc@samla.no>"
    assert message["To"] == "Kari Nordmann <kari@example.no>"


def test_the_calendar_entry_is_in_the_sessions_time_zone_and_versioned():
    entry = CalendarEntry(uid="s-1@samla", starts_at=datetime(2027, 9, 1, 7, tzinfo=UTC),
                          ends_at=datetime(2027, 9, 1, 14, tzinfo=UTC), time_zone="Europe/Copenhagen",
                          location="Odense", sequence=2)
    [event] = Calendar.from_ical(session_calendar(entry, summary="Opstart: Fuldtid", stamp=NOW,
                                                  language="da")).walk("VEVENT")
    assert event.decoded("dtstart").hour == 9 and event.decoded("dtstart").tzinfo.key == "Europe/Copenhagen"
    assert (str(event["uid"]), int(event["sequence"]), str(event["summary"])) == ("s-1@samla", 2, "Opstart: Fuldtid")


def test_a_name_with_line_breaks_cannot_add_a_header_or_break_the_mail():
    rendered = RenderedMail("Godkjenning trengs", "Hei\n", "<p>Hei</p>\n")
    message = compose_message(sender="Samla <no-reply@samla.no>", to_name="Kari\r\nBcc: eve@example.org\u2028Nordmann",
                              to_address="kari@example.no", rendered=rendered, message_id="<abc@samla.no>",
                              language="nb", date=NOW, kind="approval_requested")
    wire = message.as_bytes()
    assert b"\nBcc:" not in wire
    assert message["To"] == '"Kari Bcc: eve@example.org Nordmann" <kari@example.no>'
    assert message["Bcc"] is None
