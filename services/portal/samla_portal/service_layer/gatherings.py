"""Use cases over the sessions API for the programme coordinator: a cohort's sessions generated from its
programme's plan, a session's agenda, attendance taken in the room, marking it held, and completions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi

AGENDA_KINDS = ("welcome", "check_in", "talk", "film", "group_work", "dialogue_exercise", "plenary", "break",
                "summary")
# Partial attendance needs minutes: recorded through the API, not on the phone form of the room.
ATTENDANCE = ("present", "absent", "excused")
MISSED = ("absent", "excused")  # what a make-up may stand in for (sessions' rule)
MAKE_UP_KINDS = ("session", "assignment")
BLANK_AGENDA_ROWS = 3  # empty rows under the existing items: a plain form grows without script


@dataclass(frozen=True)
class Participant:
    participant_id: str
    name: str  # the applicant's name as enrollment shows it to the coordinator, else the id
    role: str | None = None  # the role the application gives (nurse, health worker), to tell people apart


@dataclass(frozen=True)
class SessionSheet:
    session: dict[str, Any]
    attendance: dict[str, Any]
    participants: list[Participant]
    statuses: dict[str, str]  # participant id -> recorded status
    # Issue 16's make-ups: who may be given one (absent or excused from this held, mandatory session and none
    # recorded yet), and the same gathering held with the programme's other cohorts, to make up in.
    make_up_for: list[Participant] = field(default_factory=list)
    make_up_sessions: list[dict[str, Any]] = field(default_factory=list)


def agenda_rows(form: dict[str, str]) -> list[dict[str, Any]]:
    """The agenda form's rows (start-N, end-N, title-N, kind-N) as the API's items; empty rows are dropped."""
    rows = []
    indexes = sorted({int(k.split("-", 1)[1]) for k in form if k.startswith("title-") and k[6:].isdigit()})
    for i in indexes:
        title = form.get(f"title-{i}", "").strip()
        if not title and not form.get(f"start-{i}") and not form.get(f"end-{i}"):
            continue
        day = form.get(f"day-{i}")
        # A time alone is the session's only day; with a day it is wall-clock time there (the API's rule).
        starts, ends = form.get(f"start-{i}", ""), form.get(f"end-{i}", "")
        rows.append({"starts_at": f"{day}T{starts}" if day and starts else starts,
                     "ends_at": f"{day}T{ends}" if day and ends else ends, "title": title,
                     "kind": form.get(f"kind-{i}") or "plenary"})
    return rows


def session_days(session: dict[str, Any]) -> list[str]:
    """The session's days, in its own time zone (the API gives its times with their local offset)."""
    first, last = date.fromisoformat(session["starts_at"][:10]), date.fromisoformat(session["ends_at"][:10])
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


class Gatherings:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def cohort_sessions(self, token: str, cohort_id: str) -> tuple[dict[str, Any], dict[str, Any],
                                                                          list[dict[str, Any]] | None]:
        """The cohort and programme (enrollment) and its sessions, or None while sessions has not yet
        learnt of the cohort from enrollment's events."""
        cohort = await self._api.get("enrollment", f"/cohorts/{cohort_id}", token)
        programme = await self._api.get("enrollment", f"/programmes/{cohort['programme_id']}", token)
        try:
            found = await self._api.get("sessions", f"/cohorts/{cohort_id}/sessions", token)
        except ApiRefused as refused:
            if refused.status != 404:
                raise
            found = None
        return cohort, programme, found

    async def generate(self, token: str, cohort_id: str, starts_on: str | None) -> list[dict[str, Any]]:
        body = {"starts_on": starts_on} if starts_on else {}
        return await self._api.post("sessions", f"/cohorts/{cohort_id}/sessions/generated", token, body)

    async def _participants(self, token: str, cohort_id: str) -> list[Participant]:
        roster, applications = await asyncio.gather(
            self._api.get("sessions", f"/cohorts/{cohort_id}/roster", token),
            self._api.get("enrollment", f"/cohorts/{cohort_id}/applications", token, limit=200))
        by_application = {a["id"]: a for a in applications}
        found = []
        for member in roster["members"]:
            application = by_application.get(member["application_id"], {})
            name = (application.get("applicant") or {}).get("name")
            found.append(Participant(member["participant_id"], name or member["participant_id"], application.get("role")))
        return sorted(found, key=lambda p: p.name.casefold())

    async def sheet(self, token: str, session_id: str) -> SessionSheet:
        session = await self._api.get("sessions", f"/sessions/{session_id}", token)
        attendance, participants = await asyncio.gather(
            self._api.get("sessions", f"/sessions/{session_id}/attendance", token),
            self._participants(token, session["cohort_id"]))
        statuses = {r["participant_id"]: r["status"] for r in attendance["records"]}
        if not (session["status"] == "held" and session["mandatory"]):
            return SessionSheet(session, attendance, participants, statuses)
        made_up = {m["participant_id"] for m in attendance.get("make_ups") or []}
        missed = [p for p in participants if statuses.get(p.participant_id) in MISSED and p.participant_id not in made_up]
        in_sessions = any(m["kind"] == "session" for m in attendance.get("make_ups") or [])
        elsewhere = await self._same_gathering_elsewhere(token, session) if missed or in_sessions else []
        return SessionSheet(session, attendance, participants, statuses, missed, elsewhere)

    async def _same_gathering_elsewhere(self, token: str, session: dict[str, Any]) -> list[dict[str, Any]]:
        """The same gathering of the programme held with its other cohorts, each with its cohort's term: where a
        participant who missed it may have made it up. A cohort sessions has not heard of yet has none."""
        cohorts = await self._api.get("enrollment", "/cohorts", token, programme_id=session["programme_id"], limit=100)
        others = [c for c in cohorts if c["id"] != session["cohort_id"]]

        async def held_there(cohort: dict[str, Any]) -> list[dict[str, Any]]:
            try:
                found = await self._api.get("sessions", f"/cohorts/{cohort['id']}/sessions", token)
            except ApiRefused as refused:
                if refused.status != 404:
                    raise
                return []
            return [s | {"cohort_term": cohort["term"], "cohort_location": cohort.get("location")} for s in found
                    if s["kind"] == session["kind"] and s["status"] == "held"]

        found = await asyncio.gather(*(held_there(c) for c in others))
        return sorted((s for sessions in found for s in sessions), key=lambda s: s["starts_at"])

    async def record_make_up(self, token: str, session_id: str, form: dict[str, str]) -> dict[str, Any]:
        """How a participant made up for this missed session: another cohort's session of the same gathering, or
        an assignment (the note says what). Sessions checks the rest and settles completion again."""
        kind = form.get("kind", "")
        body = {"kind": kind, "session_id": form.get("make_up_session_id") or None if kind == "session" else None,
                "note": form.get("note") or None}
        return await self._api.put("sessions", f"/sessions/{session_id}/make-ups/{form.get('participant_id', '')}",
                                   token, body)

    async def save_agenda(self, token: str, session_id: str, form: dict[str, str]) -> dict[str, Any]:
        """The form edits times, titles and kinds; an item kept under its title and kind keeps what the form
        does not show (speakers, facilitators, a dialogue exercise's steps and group size)."""
        session = await self._api.get("sessions", f"/sessions/{session_id}", token)
        kept = {(i["title"], i["kind"]): i for i in session.get("agenda") or []}
        items = []
        for row in agenda_rows(form):
            before = kept.get((row["title"], row["kind"]))
            if before:
                row.update({k: before[k] for k in ("speakers", "facilitators", "steps", "group_size")
                            if before.get(k)})
            items.append(row)
        return await self._api.put("sessions", f"/sessions/{session_id}/agenda", token, {"items": items})

    async def take_attendance(self, token: str, session_id: str, form: dict[str, str]) -> dict[str, Any]:
        records = [{"participant_id": key.removeprefix("attendance-"), "status": value}
                   for key, value in form.items() if key.startswith("attendance-") and value in ATTENDANCE]
        return await self._api.put("sessions", f"/sessions/{session_id}/attendance", token, {"records": records})

    async def mark_held(self, token: str, session_id: str) -> dict[str, Any]:
        return await self._api.post("sessions", f"/sessions/{session_id}/held", token, {})

    async def completions(self, token: str, cohort_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        found, participants = await asyncio.gather(
            self._api.get("sessions", f"/cohorts/{cohort_id}/completions", token),
            self._participants(token, cohort_id))
        return found, {p.participant_id: p.name for p in participants}
