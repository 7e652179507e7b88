"""Templates: every kind in every language renders whole, in the recipient's locale, or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from samla_notifications.adapters.templates import TemplateRenderer, TemplateRenderFailed
from samla_notifications.domain.kinds import Kind
from samla_notifications.domain.language import LANGUAGES


def full_context(**changes):
    context = {
        "recipient": {"name": "Kari Nordmann"}, "applicant": {"name": "Ola Nordmann"},
        "programme": {"title": "Der skoen trykker"},
        "cohort": {"term": "høst-2027", "location": "Bodø", "starts_on": date(2027, 9, 1),
                   "applications_close_at": datetime(2027, 8, 15, 10, tzinfo=UTC)},
        "session": {"kind": "kickoff", "starts_at": datetime(2027, 9, 1, 7, tzinfo=UTC),
                    "ends_at": datetime(2027, 9, 2, 14, tzinfo=UTC), "online": False, "mandatory": True,
                    "location": "Bodø", "previous_starts_at": datetime(2027, 8, 25, 7, tzinfo=UTC),
                    "reason": "lokalet er opptatt", "days_before": 7},
        "application": {"waitlist_position": 3}, "application_id": "app-1",
        "offer": {"expires_at": datetime(2027, 8, 23, 7, 30, tzinfo=UTC)},
        "approval": {"step": 2, "steps": 2, "step_kind": "hr"}, "requires_manager_approval": True,
        "measure": {"area": "sick_leave_follow_up", "due_on": date(2027, 10, 1)},
        "milestone": {"kind": "full_time_share_percent", "due_on": date(2027, 6, 30), "target_value": 50.0,
                      "current_value": 43.0},
        "completion": {"completed_at": datetime(2027, 12, 1, 12, tzinfo=UTC)},
        "time_zone": "Europe/Oslo", "link": "https://samla.example/me", "waiting_days": 3,
    }
    context.update(changes)
    return context


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_renders_a_subject_a_text_and_an_html_body_in_every_language(kind, language):
    mail = TemplateRenderer().render(kind.value, language, full_context(), calendar=kind is Kind.SESSION_REMINDER)
    assert mail.subject and "\n" not in mail.subject
    assert mail.text.strip() and "None" not in mail.text
    assert mail.html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in mail.html
    if kind is Kind.SESSION_REMINDER:
        assert mail.calendar_summary


def test_dates_and_times_follow_the_language_and_the_time_zone():
    renderer = TemplateRenderer()
    oslo = renderer.render("session_scheduled", "nb", full_context())
    copenhagen = renderer.render("session_scheduled", "da", full_context(time_zone="Europe/Copenhagen"))
    english = renderer.render("session_scheduled", "en", full_context())
    assert "onsdag 1. september 2027 kl. 09:00" in oslo.text
    assert "onsdag den 1. september 2027 kl. 09.00" in copenhagen.text
    assert "Wednesday, 1 September 2027 at 09:00" in english.text


def test_a_missing_value_fails_the_whole_mail_and_names_the_template():
    context = full_context()
    del context["application"]
    with pytest.raises(TemplateRenderFailed, match=r"nb/waitlisted\.j2.*application"):
        TemplateRenderer().render("waitlisted", "nb", context)


def test_an_unknown_gathering_kind_fails_instead_of_printing_a_blank():
    context = full_context()
    context["session"] = context["session"] | {"kind": "excursion"}
    with pytest.raises(TemplateRenderFailed, match="excursion"):
        TemplateRenderer().render("session_scheduled", "da", context)


def test_names_are_escaped_in_html_but_not_in_plain_text():
    mail = TemplateRenderer().render("enrolled", "en", full_context(recipient={"name": "Kari <b>& co</b>"}))
    assert "Hello Kari <b>& co</b>," in mail.text
    assert "Hello Kari &lt;b&gt;&amp; co&lt;/b&gt;," in mail.html


def test_unknown_facts_read_sensibly_instead_of_failing():
    context = full_context(programme={"title": None}, cohort={"term": None, "location": None, "starts_on": None,
                                                              "applications_close_at": None})
    mail = TemplateRenderer().render("enrolled", "nb", context)
    assert mail.subject == "Du har fått plass i programmet"
    assert "()" not in mail.text


def test_a_deployment_can_replace_a_single_template(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "completed.j2").write_text(
        '{% extends "en/_layout.j2" %}{% block subject %}Well done{% endblock %}'
        '{% block text %}Done.{% endblock %}{% block html %}<p>Done.</p>{% endblock %}')
    renderer = TemplateRenderer(tmp_path)
    assert renderer.render("completed", "en", full_context()).subject == "Well done"
    assert renderer.render("enrolled", "en", full_context()).subject.startswith("You have a place")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [Kind.APPROVAL_REQUESTED, Kind.APPROVAL_REMINDER, Kind.AGREEMENT_REQUESTED,
                                  Kind.ENROLLED, Kind.FOLLOW_UP_DUE, Kind.SEAT_OFFERED, Kind.APPROVAL_STEP_REQUESTED])
def test_a_mail_that_asks_to_act_links_to_the_page_where_one_acts(kind, language):
    page = "https://samla.example/applications/app-1"
    mail = TemplateRenderer().render(kind.value, language, full_context(link=page))
    assert page in mail.text
    assert f'<a href="{page}">' in mail.html
    assert "(application app-1)" not in mail.text and "app-1)" not in mail.text


def test_a_mail_without_a_page_to_act_on_has_no_link_line():
    mail = TemplateRenderer().render("cohort_opened", "en", full_context(link=None))
    assert "http" not in mail.text and "<a " not in mail.html
