"""Agenda rules: items fit inside the session, never overlap, and dialogue exercises carry timed steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_sessions.domain.agenda import AgendaItem, AgendaItemKind, DialogueStep, checked_agenda
from samla_sessions.domain.errors import RuleViolation

# Seed 003's digital workshop ran 08:15–13:00 Oslo time, which is 07:15–12:00 UTC in winter.
DAY = datetime(2027, 2, 10, tzinfo=UTC)
START, END = DAY.replace(hour=7, minute=15), DAY.replace(hour=12)


def item(start: str, end: str, title: str, kind: AgendaItemKind = AgendaItemKind.TALK, **more) -> AgendaItem:
    def at(clock: str) -> datetime:
        hours, minutes = map(int, clock.split(":"))
        return DAY.replace(hour=hours - 1, minute=minutes)  # Oslo wall clock to UTC (winter)

    return AgendaItem(starts_at=at(start), ends_at=at(end), title=title, kind=kind, **more)


def workshop() -> list[AgendaItem]:
    K = AgendaItemKind
    return [
        item("08:15", "08:30", "Check-in and connecting", K.CHECK_IN),
        item("08:30", "08:40", "Welcome", K.WELCOME, speakers=("Host",)),
        item("08:40", "08:50", "The programme in short", K.FILM),
        item("08:50", "09:05", "From measures to practice", K.TALK, speakers=("Speaker A", "Speaker B")),
        item("09:05", "09:15", "Leg stretch", K.BREAK),
        item("09:15", "09:35", "Continuous improvement", K.TALK),
        item("09:35", "10:15", "Group work", K.GROUP_WORK),
        item("10:15", "10:40", "Presentations in plenary", K.PLENARY),
        item("10:40", "11:10", "Long break", K.BREAK),
        item("11:10", "12:00", "Safety and health in the public sector", K.TALK),
        item("12:00", "12:30", "Group work", K.GROUP_WORK),
        item("12:30", "12:50", "Presentations in plenary", K.PLENARY),
        item("12:50", "13:00", "Summary and close", K.SUMMARY),
    ]


def dialogue(minutes_each: int = 30, ends: str = "11:00") -> AgendaItem:
    steps = (DialogueStep("Warm-up", 15),) + tuple(DialogueStep(f"Task {n}", minutes_each) for n in range(1, 5))
    return item("08:30", ends, "Dialogue cloth on party cooperation", AgendaItemKind.DIALOGUE_EXERCISE,
                steps=steps, group_size=4)


def test_a_full_workshop_day_whose_items_touch_end_to_end_is_accepted_in_time_order():
    items = workshop()
    accepted = checked_agenda(reversed(items), starts_at=START, ends_at=END)
    assert [i.title for i in accepted] == [i.title for i in items]


def test_overlapping_items_are_refused_naming_both():
    items = workshop()
    items[5] = item("09:00", "09:35", "Continuous improvement")
    with pytest.raises(RuleViolation) as refused:
        checked_agenda(items, starts_at=START, ends_at=END)
    assert refused.value.extensions["problems"] == [
        "'Continuous improvement' starts before 'From measures to practice' ends",
        "'Leg stretch' starts before 'Continuous improvement' ends",
    ]


def test_an_item_outside_the_session_is_refused():
    with pytest.raises(RuleViolation, match="'Late coffee' lies outside the session"):
        checked_agenda([item("12:50", "13:10", "Late coffee", AgendaItemKind.BREAK)], starts_at=START, ends_at=END)


def test_an_item_that_ends_before_it_starts_is_refused():
    with pytest.raises(RuleViolation, match="must end after it starts"):
        checked_agenda([item("10:00", "09:00", "Backwards")], starts_at=START, ends_at=END)


def test_a_dialogue_exercise_of_a_warm_up_and_four_half_hour_tasks_fits_two_and_a_half_hours():
    [accepted] = checked_agenda([dialogue()], starts_at=START, ends_at=END)
    assert [s.title for s in accepted.steps] == ["Warm-up", "Task 1", "Task 2", "Task 3", "Task 4"]
    assert accepted.group_size == 4


def test_dialogue_steps_that_do_not_fit_their_item_are_refused():
    with pytest.raises(RuleViolation, match="take 195 minutes but the item lasts 150"):
        checked_agenda([dialogue(minutes_each=45)], starts_at=START, ends_at=END)


def test_a_dialogue_exercise_without_steps_is_refused_and_only_dialogue_exercises_have_steps():
    bare = item("08:30", "09:00", "Dialogue", AgendaItemKind.DIALOGUE_EXERCISE)
    with pytest.raises(RuleViolation, match="needs its steps"):
        checked_agenda([bare], starts_at=START, ends_at=END)
    talk = item("08:30", "09:00", "Talk", steps=(DialogueStep("Step", 10),))
    with pytest.raises(RuleViolation, match="only a dialogue exercise has steps"):
        checked_agenda([talk], starts_at=START, ends_at=END)


def test_moving_an_item_keeps_its_length():
    talk = item("09:15", "09:35", "Talk")
    moved = talk.shifted(timedelta(days=7))
    assert (moved.starts_at - talk.starts_at, moved.minutes) == (timedelta(days=7), 20)
