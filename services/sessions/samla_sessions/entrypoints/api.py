"""HTTP routes of the sessions service: parse, call the service layer, map the result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response, status

from samla_shared.http.auth import Access

from samla_sessions.adapters.ports import RosterRepository
from samla_sessions.domain.agenda import DialogueStep
from samla_sessions.domain.attendance import MakeUpKind
from samla_sessions.domain.schedule import IN_PERSON_HOURS, ONLINE_HOURS, DayHours
from samla_sessions.domain.session import Assignment, Material, SessionStatus, details_to_revise
from samla_sessions.entrypoints.schemas import (
    AgendaIn,
    AgendaPublic,
    AttendanceIn,
    AttendanceListIn,
    AttendancePublic,
    AssignmentIn,
    Cancellation,
    CompletionsPublic,
    FollowUpDayCreate,
    Held,
    HoursIn,
    MakeUpIn,
    MaterialIn,
    PlanPublic,
    Roster,
    ScheduleGeneration,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    attendance_public,
    completions_public,
    roster_public,
    session_public,
)
from samla_sessions.service_layer.completion import CompletionPolicy
from samla_sessions.service_layer.participant_plan import ParticipantPlan
from samla_sessions.service_layer.sessions import AgendaItemDraft, AttendanceEntry, SessionDraft, SessionService


@dataclass(frozen=True)
class Services:
    """What the routes call, wired once in bootstrap.py."""

    sessions: SessionService
    completion: CompletionPolicy
    plan: ParticipantPlan
    roster: RosterRepository


def get_services(request: Request) -> Services:
    return request.app.state.services


Wired = Annotated[Services, Depends(get_services)]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown cohort, session or participant"},
    409: {"description": "The session's state does not allow it (held, cancelled, not begun)"},
    422: {"description": "Invalid input, or a broken rule (problem details list each one)"},
}

cohorts = APIRouter(prefix="/cohorts", tags=["cohorts"], responses=ERRORS)
sessions = APIRouter(prefix="/sessions", tags=["sessions"], responses=ERRORS)
participants = APIRouter(prefix="/participants", tags=["participants"], responses=ERRORS)


def _materials(items: list[MaterialIn] | None) -> list[Material] | None:
    return None if items is None else [Material(title=m.title, url=str(m.url)) for m in items]


def _assignments(items: list[AssignmentIn] | None) -> list[Assignment] | None:
    return None if items is None else [
        Assignment(title=a.title, kind=a.kind, description=a.description, url=str(a.url) if a.url else None)
        for a in items]


def _hours(given: HoursIn | None, default: DayHours) -> DayHours:
    return DayHours(given.starts, given.ends) if given else default


# -- scope: a cohort or session outside the caller's networks answers 404 ----------------------

async def visible_cohort(cohort_id: str, wired: Services, access: Access) -> None:
    if not access.unrestricted:  # an admin may also ask about cohorts this service has not heard of yet
        access.require(f"cohort {cohort_id}", network_id=(await wired.sessions.cohort(cohort_id)).network_id)


async def visible_session(session_id: str, wired: Services, access: Access) -> None:
    if not access.unrestricted:
        access.require(f"session {session_id}", network_id=(await wired.sessions.get(session_id)).network_id)


# -- cohorts ----------------------------------------------------------------------------------

@cohorts.get("/{cohort_id}/roster", response_model=Roster,
             summary="Who is enrolled in the cohort, built from enrollment's events")
async def roster(cohort_id: str, wired: Wired, access: Access,
                 status: Literal["enrolled", "withdrawn"] | None = "enrolled") -> Roster:
    await visible_cohort(cohort_id, wired, access)
    return roster_public(cohort_id, await wired.roster.members(cohort_id, status))


@cohorts.post("/{cohort_id}/sessions", status_code=status.HTTP_201_CREATED, response_model=SessionPublic,
              summary="Put one session of the cohort in the calendar")
async def schedule_session(cohort_id: str, body: SessionCreate, wired: Wired, access: Access) -> SessionPublic:
    await visible_cohort(cohort_id, wired, access)
    draft = SessionDraft(
        kind=body.kind, starts_at=body.starts_at, ends_at=body.ends_at, title=body.title, time_zone=body.time_zone,
        online=body.online, mandatory=body.mandatory, venue=body.venue, city=body.city,
        online_link=str(body.online_link) if body.online_link else None, description=body.description,
        materials=_materials(body.materials) or [], assignments=_assignments(body.assignments) or [],
    )
    return session_public(await wired.sessions.schedule(cohort_id, draft))


@cohorts.get("/{cohort_id}/sessions", response_model=list[SessionPublic], summary="The cohort's sessions in time order")
async def list_sessions(cohort_id: str, wired: Wired, access: Access, status: SessionStatus | None = None) -> list[SessionPublic]:
    await visible_cohort(cohort_id, wired, access)
    return [session_public(s) for s in await wired.sessions.of_cohort(cohort_id, status)]


@cohorts.post("/{cohort_id}/sessions/generated", status_code=status.HTTP_201_CREATED,
              response_model=list[SessionPublic],
              summary="Generate the cohort's sessions from its programme's gathering plan",
              description="Once per cohort (409 the second time). Gatherings fall on working days; "
                          "in-person days run 09:00–16:00 and online ones 09:00–12:00 unless given.")
async def generate_sessions(cohort_id: str, body: ScheduleGeneration, wired: Wired, access: Access) -> list[SessionPublic]:
    await visible_cohort(cohort_id, wired, access)
    created = await wired.sessions.generate(
        cohort_id, starts_on=body.starts_on, in_person=_hours(body.in_person_hours, IN_PERSON_HOURS),
        online=_hours(body.online_hours, ONLINE_HOURS),
        follow_up_weeks_after_closing=body.follow_up_weeks_after_closing,
    )
    return [session_public(s) for s in created]


@cohorts.post("/{cohort_id}/sessions/follow-up-day", status_code=status.HTTP_201_CREATED,
              response_model=SessionPublic, summary="Schedule a follow-up day some weeks after the closing")
async def add_follow_up_day(cohort_id: str, body: FollowUpDayCreate, wired: Wired, access: Access) -> SessionPublic:
    await visible_cohort(cohort_id, wired, access)
    session = await wired.sessions.add_follow_up_day(
        cohort_id, weeks_after_closing=body.weeks_after_closing, online=body.online, mandatory=body.mandatory,
        hours=_hours(body.hours, ONLINE_HOURS if body.online else IN_PERSON_HOURS), venue=body.venue,
        city=body.city, online_link=str(body.online_link) if body.online_link else None,
    )
    return session_public(session)


@cohorts.get("/{cohort_id}/completions", response_model=CompletionsPublic,
             summary="Who completed the cohort, and everyone's progress towards it")
async def completions(cohort_id: str, wired: Wired, access: Access) -> CompletionsPublic:
    await visible_cohort(cohort_id, wired, access)
    return completions_public(await wired.completion.completion_list(cohort_id))


# -- sessions ---------------------------------------------------------------------------------

@sessions.get("/{session_id}", response_model=SessionPublic)
async def get_session(session_id: str, wired: Wired, access: Access) -> SessionPublic:
    await visible_session(session_id, wired, access)
    return session_public(await wired.sessions.get(session_id))


@sessions.patch("/{session_id}", response_model=SessionPublic,
                summary="Reschedule (new times and a reason) or change the details participants read")
async def revise_session(session_id: str, body: SessionUpdate, wired: Wired, access: Access) -> SessionPublic:
    await visible_session(session_id, wired, access)
    given: dict[str, object] = body.model_dump(exclude_unset=True,
                                               exclude={"starts_at", "ends_at", "reason", "online_link",
                                                        "materials", "assignments"})
    named = body.model_fields_set
    if "online_link" in named:
        given["online_link"] = str(body.online_link) if body.online_link is not None else None
    if "materials" in named:
        given["materials"] = _materials(body.materials)
    if "assignments" in named:
        given["assignments"] = _assignments(body.assignments)
    session = await wired.sessions.revise(session_id, starts_at=body.starts_at, ends_at=body.ends_at,
                                          reason=body.reason, details=details_to_revise(given))
    return session_public(session)


@sessions.post("/{session_id}/cancellation", response_model=SessionPublic, summary="Cancel the session, with a reason")
async def cancel_session(session_id: str, body: Cancellation, wired: Wired, access: Access) -> SessionPublic:
    await visible_session(session_id, wired, access)
    return session_public(await wired.sessions.cancel(session_id, reason=body.reason))


@sessions.get("/{session_id}/agenda", response_model=AgendaPublic)
async def get_agenda(session_id: str, wired: Wired, access: Access) -> AgendaPublic:
    await visible_session(session_id, wired, access)
    return session_public(await wired.sessions.get(session_id)).agenda


@sessions.put("/{session_id}/agenda", response_model=AgendaPublic,
              summary="Replace the agenda: items inside the session, none overlapping")
async def put_agenda(session_id: str, body: AgendaIn, wired: Wired, access: Access) -> AgendaPublic:
    await visible_session(session_id, wired, access)
    drafts = [AgendaItemDraft(
        starts_at=i.starts_at, ends_at=i.ends_at, title=i.title, kind=i.kind, speakers=i.speakers,
        facilitators=i.facilitators, steps=[DialogueStep(s.title, s.minutes) for s in i.steps],
        group_size=i.group_size,
    ) for i in body.items]
    return session_public(await wired.sessions.replace_agenda(session_id, drafts)).agenda


@sessions.get("/{session_id}/attendance", response_model=AttendancePublic)
async def get_attendance(session_id: str, wired: Wired, access: Access) -> AttendancePublic:
    await visible_session(session_id, wired, access)
    return attendance_public(await wired.sessions.get(session_id))


@sessions.put("/{session_id}/attendance", response_model=AttendancePublic,
              summary="Register several participants' attendance at once (corrections once held)")
async def put_attendance_list(session_id: str, body: AttendanceListIn, wired: Wired, access: Access) -> AttendancePublic:
    await visible_session(session_id, wired, access)
    entries = [AttendanceEntry(r.participant_id, r.status, r.minutes) for r in body.records]
    return attendance_public(await wired.sessions.record_attendance(session_id, entries, by=body.recorded_by))


@sessions.put("/{session_id}/attendance/{participant_id}", response_model=AttendancePublic,
              summary="Register one participant's attendance (a correction once the session is held)")
async def put_attendance(session_id: str, participant_id: str, body: AttendanceIn, wired: Wired, access: Access) -> AttendancePublic:
    await visible_session(session_id, wired, access)
    entry = AttendanceEntry(participant_id, body.status, body.minutes)
    return attendance_public(await wired.sessions.record_attendance(session_id, [entry]))


@sessions.put("/{session_id}/make-ups/{participant_id}", response_model=AttendancePublic,
              summary="Record how a participant made up for this missed mandatory session (another cohort's "
                      "session of the same gathering, or an assignment); it counts toward completion")
async def put_make_up(session_id: str, participant_id: str, body: MakeUpIn, wired: Wired, access: Access
                      ) -> AttendancePublic:
    await visible_session(session_id, wired, access)
    return attendance_public(await wired.sessions.record_make_up(
        session_id, participant_id, kind=MakeUpKind(body.kind), other_session_id=body.session_id, note=body.note,
        by=access.person))


@sessions.post("/{session_id}/held", response_model=SessionPublic,
               summary="Mark the session held; rostered participants without a record are recorded absent")
async def mark_held(session_id: str, wired: Wired, access: Access, body: Held | None = None) -> SessionPublic:
    await visible_session(session_id, wired, access)
    return session_public(await wired.sessions.mark_held(session_id, held_at=body.held_at if body else None))


# -- participants -----------------------------------------------------------------------------

@participants.get("/{participant_id}/plan", response_model=PlanPublic,
                  summary="The participant's upcoming sessions with their agendas")
async def plan(participant_id: str, wired: Wired, access: Access) -> PlanPublic:
    access.require(f"plan of {participant_id}", person_ids=[participant_id])
    upcoming = await wired.plan.upcoming(participant_id)
    return PlanPublic(participant_id=participant_id, calendar_feed=f"/participants/{participant_id}/plan.ics",
                      sessions=[session_public(s) for s in upcoming],
                      completed_cohorts=await wired.plan.completed_cohorts(participant_id))


@participants.get("/{participant_id}/plan.ics", response_class=Response,
                  summary="The participant's plan as an iCalendar feed to subscribe to",
                  responses={200: {"content": {"text/calendar": {}}}})
async def plan_calendar(participant_id: str, wired: Wired, access: Access) -> Response:
    access.require(f"plan of {participant_id}", person_ids=[participant_id])
    return Response(await wired.plan.calendar(participant_id), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="samla-{participant_id}.ics"'})


ROUTERS = (cohorts, sessions, participants)
