"""A participant's own programme plan: the sessions of the cohorts they are enrolled in.

The same plan is served as JSON and as an iCalendar feed. The JSON plan shows what is
still ahead; the feed also keeps past and cancelled sessions, because a subscribed
calendar deletes an event that disappears from its feed, and a participant expects last
month's gathering to stay in their calendar.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from samla_shared.clock import Clock, system_clock
from samla_shared.documents.calendar import CalendarEvent, render_calendar
from samla_sessions.adapters.ports import CompletionRepository, RosterRepository, SessionRepository
from samla_sessions.domain.errors import NotFound
from samla_sessions.domain.session import Session, SessionStatus


class ParticipantPlan:
    def __init__(self, sessions: SessionRepository, roster: RosterRepository,
                 completions: CompletionRepository | None = None, clock: Clock = system_clock) -> None:
        self.sessions = sessions
        self.roster = roster
        self.completions = completions
        self._now = clock

    async def sessions_of(self, participant_id: str) -> list[Session]:
        """Every session of the participant's cohorts, in time order."""
        cohorts = await self.roster.cohorts_of(participant_id)
        if not cohorts and not await self.roster.ever_rostered(participant_id):
            raise NotFound(f"participant {participant_id} is on no cohort's roster")
        return await self.sessions.of_cohorts(cohorts)

    async def upcoming(self, participant_id: str) -> list[Session]:
        now = self._now()
        return [s for s in await self.sessions_of(participant_id)
                if s.status is not SessionStatus.CANCELLED and s.ends_at >= now]

    async def completed_cohorts(self, participant_id: str) -> list[str]:
        """The participant's cohorts they completed: a certificate of each can be fetched."""
        if self.completions is None:
            return []
        return [c for c in await self.roster.cohorts_of(participant_id)
                if await self.completions.completed(c, participant_id)]

    async def calendar(self, participant_id: str) -> bytes:
        events = [calendar_event(s) for s in await self.sessions_of(participant_id)]
        return render_calendar("Samla: my programme plan", events, now=self._now())


def calendar_event(session: Session) -> CalendarEvent:
    place = ", ".join(p for p in (session.venue, session.city) if p) or None
    return CalendarEvent(
        uid=f"{session.id}@sessions.samla",
        starts_at=session.starts_at, ends_at=session.ends_at, summary=session.title,
        updated_at=max((c.at for c in session.changes), default=None),
        location=place or (session.online_link if session.online else None),
        url=session.online_link, description=describe(session),
        cancelled=session.status is SessionStatus.CANCELLED, sequence=len(session.changes),
    )


def describe(session: Session) -> str:
    """What a participant wants to read in the calendar entry: agenda, materials, work between sessions."""
    zone = ZoneInfo(session.time_zone)
    several_days = session.starts_at.astimezone(zone).date() != session.ends_at.astimezone(zone).date()
    clock = "%Y-%m-%d %H:%M" if several_days else "%H:%M"
    lines = [f"{session.kind.value.replace('_', ' ').capitalize()}"
             f"{' (mandatory)' if session.mandatory else ''}"]
    if session.description:
        lines += ["", session.description]
    if session.online_link:
        lines += ["", f"Online: {session.online_link}"]
    if session.agenda:
        lines += ["", f"Agenda ({session.time_zone}):"]
        for item in session.agenda:
            who = ", ".join((*item.speakers, *item.facilitators))
            lines.append(f"{item.starts_at.astimezone(zone):{clock}}–{item.ends_at.astimezone(zone):%H:%M} "
                         f"{item.title}{f' ({who})' if who else ''}")
            lines += [f"  {n}. {step.title} ({step.minutes} min)" for n, step in enumerate(item.steps, 1)]
    if session.materials:
        lines += ["", "Materials:"] + [f"- {m.title}: {m.url}" for m in session.materials]
    if session.assignments:
        lines += ["", "Between sessions:"] + [f"- {a.kind.capitalize()}: {a.title}"
                                              f"{f' – {a.description}' if a.description else ''}"
                                              f"{f' ({a.url})' if a.url else ''}" for a in session.assignments]
    return "\n".join(lines)
