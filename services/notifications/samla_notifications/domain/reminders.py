"""When reminders fire: before a session, and on the due date of a measure follow-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Reminder:
    """A planned reminder as the use cases and the API read it (the store maps its rows to these).

    One row per subject, recipient and moment: a session's reminder (`session_id`, `days_before`),
    a measure's follow-up (`measure_id`, `due_on` as an ISO date) or a manager's approval reminder
    (`application_id`, `step`, `team_id`, `waiting_days`). `fact_id` is the fact it reports: a row
    replaced meanwhile (the session moved) has another one.
    """

    id: str
    kind: str
    recipient_id: str
    fire_at: datetime
    fact_id: str
    event_id: str
    network_id: str
    status: str
    session_id: str | None = None
    cohort_id: str | None = None
    measure_id: str | None = None
    application_id: str | None = None
    days_before: int | None = None
    due_on: str | None = None
    step: int = 1
    team_id: str | None = None
    waiting_days: int | None = None


@dataclass(frozen=True)
class SessionReminderTime:
    days_before: int
    fire_at: datetime


def session_reminder_times(starts_at: datetime, days_before: list[int], known_at: datetime) -> list[SessionReminderTime]:
    """The reminders still worth sending for a session starting at `starts_at`.

    A reminder whose moment had already passed when the session was (re)planned is left
    out: the "scheduled" or "moved" mail sent at that time already told the person. The
    planning moment is the event's own time, not the clock when we process it, so a
    consumer catching up after an outage plans the same reminders it would have planned live.
    """
    times = [SessionReminderTime(days, starts_at - timedelta(days=days)) for days in sorted(set(days_before), reverse=True)]
    return [t for t in times if t.fire_at > known_at]


def reminder_fact(session_id: str, starts_at: datetime, days_before: int) -> str:
    """The fact a session reminder reports: moving the session makes it a new fact, mailed again."""
    return f"session-reminder:{session_id}:{starts_at.astimezone(UTC).isoformat()}:{days_before}d"


def follow_up_fire_at(due_on: date, time_zone: str, hour: int) -> datetime:
    """A follow-up reminder goes out in the morning of its due date, local time."""
    return datetime.combine(due_on, time(hour=hour), tzinfo=ZoneInfo(time_zone))


def follow_up_fact(measure_id: str, due_on: date) -> str:
    return f"follow-up-due:{measure_id}:{due_on.isoformat()}"


def approval_reminder_fire_at(submitted_at: datetime, days: int) -> datetime:
    """A manager is reminded when an application has waited this many days for their decision."""
    return submitted_at + timedelta(days=days)


def approval_reminder_fact(application_id: str, step: int = 1, team_id: str | None = None) -> str:
    """One reminder per application and approval step, whatever the setting is: each holder is reminded once.
    A team's manager is reminded once for the whole team."""
    if team_id:
        return f"approval-reminder:team:{team_id}"
    base = f"approval-reminder:{application_id}"
    return base if step == 1 else f"{base}:step-{step}"


def approval_reminder_id(application_id: str, step: int = 1, recipient_id: str | None = None) -> str:
    """The reminder row's `_id`: a decision cancels it by `_id`, the only index-backed lookup on FerretDB v1.

    A later step of an approval chain has one row per person holding it (approvers and deputies).
    """
    base = f"approval:{application_id}"
    return base if step == 1 else f"{base}:step-{step}:{recipient_id}"
