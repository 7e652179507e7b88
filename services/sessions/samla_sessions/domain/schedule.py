"""A cohort's schedule from its programme's gathering-plan template.

Each step of the template (e.g. seed 000: a 2-day kickoff, a 1-day gathering, a digital
meeting, a 1-day closing) becomes a session. A step starts `weeks_after_previous` weeks
after the start of the step before it (the first one after the cohort's start date).
Gatherings fall on working days: a step whose days would touch a weekend moves to the
following Monday. Wall-clock hours are local to the cohort (Europe/Oslo or
Europe/Copenhagen) and become UTC through the time-zone database, so daylight saving
time is right on both sides of the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from samla_shared.contract.enrollment import GatheringKind, PlannedGathering
from samla_sessions.domain.errors import RuleViolation

WORKING_WEEK = 5


@dataclass(frozen=True)
class DayHours:
    """When a gathering day begins and ends, in local time."""

    starts: time
    ends: time

    def __post_init__(self) -> None:
        if self.ends <= self.starts:
            raise RuleViolation("a gathering day must end after it begins")


# Seed 000's gatherings are full days; seed 003's digital workshop ran a morning.
IN_PERSON_HOURS = DayHours(time(9, 0), time(16, 0))
ONLINE_HOURS = DayHours(time(9, 0), time(12, 0))


@dataclass(frozen=True)
class PlannedSession:
    """A session the template asks for, with its times already in UTC."""

    step: int
    kind: GatheringKind
    title: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    mandatory: bool


_TITLES = {
    "nb": {GatheringKind.KICKOFF: "Oppstartssamling", GatheringKind.GATHERING: "Samling",
           GatheringKind.DIGITAL_MEETING: "Digitalt møte", GatheringKind.CLOSING: "Avslutningssamling",
           GatheringKind.WORKSHOP: "Workshop", GatheringKind.WEBINAR: "Webinar",
           GatheringKind.FOLLOW_UP_DAY: "Oppfølgingsdag"},
    "da": {GatheringKind.KICKOFF: "Opstartsseminar", GatheringKind.GATHERING: "Seminardag",
           GatheringKind.DIGITAL_MEETING: "Digitalt møde", GatheringKind.CLOSING: "Afslutningsseminar",
           GatheringKind.WORKSHOP: "Workshop", GatheringKind.WEBINAR: "Webinar",
           GatheringKind.FOLLOW_UP_DAY: "Opfølgningsdag"},
    "en": {GatheringKind.KICKOFF: "Kickoff", GatheringKind.GATHERING: "Gathering",
           GatheringKind.DIGITAL_MEETING: "Digital meeting", GatheringKind.CLOSING: "Closing",
           GatheringKind.WORKSHOP: "Workshop", GatheringKind.WEBINAR: "Webinar",
           GatheringKind.FOLLOW_UP_DAY: "Follow-up day"},
}


def title_of(kind: GatheringKind, language: str) -> str:
    return _TITLES.get(language, _TITLES["en"])[kind]


def local_to_utc(day: date, at: time, time_zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def as_utc(value: datetime, time_zone: str) -> datetime:
    """A datetime given without an offset is wall-clock time in `time_zone`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(time_zone))
    return value.astimezone(UTC)


def local_day(value: datetime, time_zone: str) -> date:
    return value.astimezone(ZoneInfo(time_zone)).date()


def first_working_start(day: date, days: int) -> date:
    """The first date on or after `day` from which `days` consecutive days avoid the weekend.

    Gatherings longer than a working week cannot avoid it; they then start on a weekday.
    """
    span = min(days, WORKING_WEEK)
    while any((day + timedelta(days=offset)).weekday() >= WORKING_WEEK for offset in range(span)):
        day += timedelta(days=1)
    return day


def generate_schedule(
    plan: Sequence[PlannedGathering], *, starts_on: date, time_zone: str, language: str = "nb",
    in_person: DayHours = IN_PERSON_HOURS, online: DayHours = ONLINE_HOURS,
    follow_up_weeks_after_closing: int | None = None,
) -> list[PlannedSession]:
    """The sessions a cohort starting on `starts_on` gets from the programme's plan.

    With `follow_up_weeks_after_closing`, a (non-mandatory) follow-up day is added that
    many weeks after the closing's last day.
    """
    if not plan:
        raise RuleViolation("the programme has no gathering plan to generate a schedule from")
    days: list[tuple[PlannedGathering, date]] = []
    previous_start = starts_on
    for step in plan:
        first_day = first_working_start(previous_start + timedelta(weeks=step.weeks_after_previous), step.days)
        days.append((step, first_day))
        previous_start = first_day
    if follow_up_weeks_after_closing is not None:
        closings = [first_day + timedelta(days=step.days - 1) for step, first_day in days
                    if step.kind is GatheringKind.CLOSING]
        if not closings:
            raise RuleViolation("a follow-up day is placed after the closing, and the plan has no closing")
        step = PlannedGathering(kind=GatheringKind.FOLLOW_UP_DAY, days=1, mandatory=False)
        days.append((step, follow_up_day(closings[-1], follow_up_weeks_after_closing)))

    repeated = {kind for kind in GatheringKind if sum(step.kind is kind for step, _ in days) > 1}
    numbers: dict[GatheringKind, int] = {}
    sessions = []
    for index, (step, first_day) in enumerate(days):
        title = title_of(step.kind, language)
        if step.kind in repeated:  # "Samling 1", "Samling 2"
            numbers[step.kind] = numbers.get(step.kind, 0) + 1
            title = f"{title} {numbers[step.kind]}"
        hours = online if step.online else in_person
        sessions.append(PlannedSession(
            step=index, kind=step.kind, title=title,
            starts_at=local_to_utc(first_day, hours.starts, time_zone),
            ends_at=local_to_utc(first_day + timedelta(days=step.days - 1), hours.ends, time_zone),
            online=step.online, mandatory=step.mandatory,
        ))
    return sessions


def follow_up_day(closing_day: date, weeks: int) -> date:
    """Seed 004's follow-up day: a working day `weeks` weeks after the closing (its last day)."""
    if not 1 <= weeks <= 104:
        raise RuleViolation("a follow-up day comes 1 to 104 weeks after the closing")
    return first_working_start(closing_day + timedelta(weeks=weeks), 1)
