"""The facts behind sessions' documents: attendance and completion rows, sign-in sheets, certificates.

Each is built from this service's own records (sessions, roster, completions, and the
programme, cohort and directory names it keeps from enrollment's events) plus the
participants' names, read from enrollment at print time (adapters/people.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from samla_sessions.adapters.ports import MethodCatalogue, PeopleDirectory, RosterRepository
from samla_sessions.domain.certificate import GatheringAttended, gatherings_attended
from samla_sessions.domain.cohort import KnownProgramme
from samla_sessions.domain.errors import NotFound
from samla_sessions.domain.session import Session
from samla_sessions.service_layer.completion import CompletionPolicy
from samla_sessions.service_layer.directory_names import DirectoryNames
from samla_sessions.service_layer.sessions import SessionService


@dataclass(frozen=True)
class SheetLine:
    participant_id: str
    name: str
    organisation: str
    status: str | None  # attendance recorded so far, if any


@dataclass(frozen=True)
class AttendanceSheet:
    session: Session
    programme_title: str
    language: str
    cohort_term: str
    lines: list[SheetLine]


@dataclass(frozen=True)
class Certificate:
    participant_id: str
    name: str
    language: str
    programme_title: str
    cohort_term: str
    cohort_location: str
    network_name: str
    completed_at: datetime
    gatherings: list[GatheringAttended]
    methods: list[str]
    # The toolbox's name of each method, by id; a method it does not name is printed as its id.
    method_names: dict[str, str] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(sum(g.hours for g in self.gatherings), 2)

    @property
    def first_day(self) -> date | None:
        return self.gatherings[0].on if self.gatherings else None


class SessionDocuments:
    def __init__(self, sessions: SessionService, completion: CompletionPolicy, roster: RosterRepository,
                 people: PeopleDirectory, directory: DirectoryNames, toolbox: MethodCatalogue) -> None:
        self.sessions = sessions
        self.toolbox = toolbox
        self.completion = completion
        self.roster = roster
        self.people = people
        self.directory = directory

    async def _names(self, person_ids: set[str]) -> dict[str, str]:
        # An erased person keeps their row, shown by id: the record of attendance stays true.
        found = await self.people.names(person_ids)
        return {pid: found.get(pid, pid) for pid in person_ids}

    async def _programme(self, programme_id: str) -> KnownProgramme:
        # A programme not heard of yet prints without a title, in Norwegian.
        return await self.roster.programme(programme_id) or KnownProgramme(programme_id)

    async def attendance_rows(self, session: Session) -> list[dict[str, Any]]:
        """One row per rostered participant or attendance record, by name."""
        members = await self.roster.enrolled(session.cohort_id)
        ids = set(members) | set(session.attendance)
        names = await self._names(ids)
        organisations = await self.directory.organisation_names(
            {m.organisation_id for m in members.values() if m.organisation_id})
        rows = []
        for pid in ids:
            record = session.attendance.get(pid)
            organisation_id = members[pid].organisation_id if pid in members else None
            rows.append({"participant_id": pid, "name": names[pid],
                         "organisation": organisations.get(organisation_id, organisation_id),
                         "status": record.status.value if record else None,
                         "minutes": record.minutes if record else None,
                         "recorded_at": record.recorded_at if record else None,
                         "session": session.title, "starts_at": session.starts_at})
        return sorted(rows, key=lambda r: (r["name"].casefold(), r["participant_id"]))

    async def attendance_sheet(self, session: Session) -> AttendanceSheet:
        rows = await self.attendance_rows(session)
        programme = await self._programme(session.programme_id)
        cohort = await self.roster.cohort(session.cohort_id)
        lines = [SheetLine(r["participant_id"], r["name"], r["organisation"] or "", r["status"]) for r in rows]
        return AttendanceSheet(session, programme.title, programme.language, cohort.term if cohort else "", lines)

    async def completion_rows(self, cohort_id: str) -> list[dict[str, Any]]:
        """Everyone's progress towards completion, completed or not, by name."""
        found = await self.completion.completion_list(cohort_id)
        completed = {d.participant_id: d for d in found.completed}
        names = await self._names({p.participant_id for p, _ in found.progress})
        organisations = await self.directory.organisation_names({o for _, o in found.progress if o})
        rows = [{"participant_id": p.participant_id, "name": names[p.participant_id],
                 "organisation": organisations.get(o, o) if o else None, "completed": p.participant_id in completed,
                 "completed_at": completed[p.participant_id].completed_at if p.participant_id in completed else None,
                 "attended": p.attended, "required": p.required, "missed": len(p.missed)}
                for p, o in found.progress]
        return sorted(rows, key=lambda r: (not r["completed"], r["name"].casefold()))

    async def certificates(self, cohort_id: str, participant_id: str | None = None) -> list[Certificate]:
        """Certificates of the cohort's completed participants (or of one of them)."""
        cohort = await self.sessions.cohort(cohort_id)
        found = await self.completion.completion_list(cohort_id)
        completed = [d for d in found.completed if participant_id in (None, d.participant_id)]
        if participant_id is not None and not completed:
            raise NotFound(f"participant {participant_id} has not completed cohort {cohort_id}")
        if not completed:
            return []
        sessions = await self.sessions.of_cohort(cohort_id)
        programme = await self._programme(cohort.programme_id)
        network = await self.directory.network_name(cohort.network_id)
        names = await self._names({d.participant_id for d in completed})
        methods = list(programme.curriculum_method_ids)
        language = programme.language
        method_names = await self.toolbox.method_names(methods, language) if methods else {}
        return [Certificate(
            participant_id=d.participant_id, name=names[d.participant_id],
            language=language, programme_title=programme.title,
            cohort_term=cohort.term, cohort_location=cohort.location or "", network_name=network,
            completed_at=d.completed_at, gatherings=gatherings_attended(sessions, d.participant_id),
            methods=methods, method_names=method_names,
        ) for d in completed]
