"""MongoDB persistence of the sessions service.

Sessions and completions are written together with their outbox entries in one
single-document operation. The roster, cohorts and programmes are read models built
from enrollment's events; enrollment's own database is never read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.enrollment import CompletionRule, GatheringKind, PlannedGathering
from samla_shared.messaging.outbox import (
    OUTBOX_FIELD,
    PENDING_FIELD,
    mark_pending,
    merge_updates,
    new_document_outbox,
    staged,
)
from samla_sessions.adapters.ports import completion_id, roster_entry_id
from samla_sessions.domain.agenda import AgendaItem, AgendaItemKind, DialogueStep
from samla_sessions.domain.attendance import Attendance, AttendanceStatus, MakeUp, MakeUpKind
from samla_sessions.domain.cohort import KnownCohort, KnownProgramme
from samla_sessions.domain.completion import CompletionRecord
from samla_sessions.domain.roster import RosterEntry, RosterStatus
from samla_sessions.domain.session import Assignment, Change, Material, Session, SessionStatus

# Read by the relay in this order. A use case that writes both writes the session first
# and the completion after it, so completions are read first (see OutboxRelay.publish_pending).
OUTBOX_COLLECTIONS = ("completions", "sessions")

HIDDEN = {OUTBOX_FIELD: 0}


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db.roster.create_index([("cohort_id", ASCENDING), ("status", ASCENDING)])
    await db.roster.create_index([("participant_id", ASCENDING), ("status", ASCENDING)])
    await db.sessions.create_index([("cohort_id", ASCENDING), ("starts_at", ASCENDING)])
    await db.sessions.create_index([("completion_due", ASCENDING)])
    await db.completions.create_index([("cohort_id", ASCENDING)])
    for name in OUTBOX_COLLECTIONS:
        await db[name].create_index([(PENDING_FIELD, ASCENDING)])


class KnownFacts:
    """The cohort and programme as typed records, read through a store's `known` (the fake's too)."""

    async def known(self, collection: str, document_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    async def cohort(self, cohort_id: str) -> KnownCohort | None:
        document = await self.known("cohorts", cohort_id)
        return known_cohort(document) if document else None

    async def programme(self, programme_id: str) -> KnownProgramme | None:
        document = await self.known("programmes", programme_id)
        return known_programme(document) if document else None


class RosterStore(KnownFacts):
    """The roster per cohort, and the cohorts and programmes sessions has heard of (a RosterRepository)."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def enter(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        """Create the roster entry of an application heard of for the first time.

        An insert is one atomic write, where an upsert is a query and a write on FerretDB;
        most roster changes are first sightings, so they take this path. False when the
        entry already exists: then `advance` decides.
        """
        try:
            await self.db.roster.insert_one({"_id": roster_entry_id(cohort_id, application_id), **fields,
                                             "cohort_id": cohort_id, "application_id": application_id,
                                             "cohort_sequence": sequence})
        except DuplicateKeyError:
            return False
        return True

    async def advance(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        """Apply a change to an existing entry unless an equal or newer change was applied already.

        The caller holds the entry's document lock (FerretDB updates are read-modify-write).
        """
        result = await self.db.roster.update_one(
            {"_id": roster_entry_id(cohort_id, application_id), "cohort_sequence": {"$lt": sequence}},
            {"$set": {**fields, "cohort_sequence": sequence}},
        )
        return result.modified_count == 1

    async def members(self, cohort_id: str, status: str | None) -> list[RosterEntry]:
        query: dict[str, Any] = {"cohort_id": cohort_id}
        if status:
            query["status"] = status
        cursor = self.db.roster.find(query).sort("enrolled_at", ASCENDING)
        return [roster_entry(doc) async for doc in cursor]

    async def enrolled(self, cohort_id: str) -> dict[str, RosterEntry]:
        """The cohort's enrolled participants by participant id."""
        return {m.participant_id: m for m in await self.members(cohort_id, RosterStatus.ENROLLED.value)}

    async def cohorts_of(self, participant_id: str) -> list[str]:
        cursor = self.db.roster.find({"participant_id": participant_id, "status": RosterStatus.ENROLLED.value},
                                     {"cohort_id": 1})
        return sorted({doc["cohort_id"] async for doc in cursor})

    async def ever_rostered(self, participant_id: str) -> bool:
        return await self.db.roster.find_one({"participant_id": participant_id}, {"_id": 1}) is not None

    async def remember(self, collection: str, document_id: str, fields: dict[str, Any], version_at: datetime) -> None:
        """Keep the latest known state of another context's aggregate (programme, cohort)."""
        try:
            await self.db[collection].update_one(
                {"_id": document_id, "as_of": {"$lt": version_at}},
                {"$set": {**fields, "as_of": version_at}},
                upsert=True,
            )
        except DuplicateKeyError:
            pass  # a newer state is already known

    async def known(self, collection: str, document_id: str) -> dict[str, Any] | None:
        return await self.db[collection].find_one({"_id": document_id})


class SessionStore:
    """Sessions with their outbox (a SessionRepository)."""

    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    async def add(self, session: Session, *events: IntegrationEvent, created_at: datetime) -> bool:
        """Insert a new session with its first events. False if a session with its id exists."""
        document = session_document(session) | {"created_at": created_at, "updated_at": created_at}
        document |= new_document_outbox(*events, source=self.source)
        try:
            await self.db.sessions.insert_one(document)
        except DuplicateKeyError:
            return False
        await mark_pending(self.db.sessions, document["_id"], document)
        return True

    async def get(self, session_id: str) -> Session | None:
        document = await self.db.sessions.find_one({"_id": session_id}, HIDDEN)
        return session_from(document) if document else None

    async def of_cohort(self, cohort_id: str) -> list[Session]:
        return await self.of_cohorts([cohort_id])

    async def of_cohorts(self, cohort_ids: list[str]) -> list[Session]:
        if not cohort_ids:
            return []
        cursor = self.db.sessions.find({"cohort_id": {"$in": cohort_ids}}, HIDDEN).sort("starts_at", ASCENDING)
        return [session_from(doc) async for doc in cursor]

    async def save(self, session: Session, *events: IntegrationEvent, updated_at: datetime,
                   completion_due: bool = False) -> bool:
        """Write the session's new state and its events, if nobody saved it since it was read.

        `completion_due` marks, in the same write, that the cohort's completions must be
        settled because attendance changed (see CompletionPolicy.settle). The caller holds
        the session's document lock; the version check also refuses a write from another
        process that slipped in.
        """
        state = session_document(session)
        state.pop("_id")
        state.update(version=session.version + 1, updated_at=updated_at)
        if completion_due:
            state["completion_due"] = True
        update = merge_updates({"$set": state}, staged(*events, source=self.source) if events else {})
        result = await self.db.sessions.update_one({"_id": session.id, "version": session.version}, update)
        if result.modified_count == 1:
            await mark_pending(self.db.sessions, session.id, update)
            session.version += 1
            return True
        return False

    async def cohorts_with_completion_due(self) -> list[str]:
        cursor = self.db.sessions.find({"completion_due": True}, {"cohort_id": 1})
        return sorted({doc["cohort_id"] async for doc in cursor})

    async def completion_due_in(self, cohort_id: str) -> set[str]:
        cursor = self.db.sessions.find({"cohort_id": cohort_id, "completion_due": True}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}

    async def clear_completion_due(self, session_id: str, version: int) -> None:
        """Clear the mark once the cohort was evaluated with this version of the session.

        A session written again since then keeps its mark. The caller holds the session's lock.
        """
        await self.db.sessions.update_one({"_id": session_id, "version": version, "completion_due": True},
                                          {"$set": {"completion_due": False}})


class CompletionStore:
    """One document per (cohort, participant) that completed; it carries ParticipantCompleted.

    Inserting it with that pair as `_id` makes the completion exactly-once however often
    it is evaluated: a second insert fails on the unique id.
    """

    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    async def complete(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                       event: IntegrationEvent) -> bool:
        """Record a completion. The caller holds the document's lock (a revoked one is reinstated)."""
        document_id = completion_id(cohort_id, participant_id)
        try:
            await self.db.completions.insert_one(
                {"_id": document_id, "cohort_id": cohort_id, "participant_id": participant_id, **fields,
                 "status": "completed"} | new_document_outbox(event, source=self.source))
        except DuplicateKeyError:
            pass
        else:
            await mark_pending(self.db.completions, document_id)
            return True
        result = await self.db.completions.update_one(
            {"_id": document_id, "status": "revoked"},
            merge_updates({"$set": {**fields, "status": "completed"}}, staged(event, source=self.source)),
        )
        if result.modified_count != 1:
            return False
        await mark_pending(self.db.completions, document_id)
        return True

    async def revoke(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                     event: IntegrationEvent) -> bool:
        """Withdraw a completion that a correction made untrue. The caller holds the document's lock."""
        document_id = completion_id(cohort_id, participant_id)
        result = await self.db.completions.update_one(
            {"_id": document_id, "status": "completed"},
            merge_updates({"$set": {**fields, "status": "revoked"}}, staged(event, source=self.source)),
        )
        if result.modified_count != 1:
            return False
        await mark_pending(self.db.completions, document_id)
        return True

    async def completed(self, cohort_id: str, participant_id: str) -> bool:
        """Whether the participant's completion of the cohort stands (by `_id`, so index-backed)."""
        return await self.db.completions.find_one(
            {"_id": completion_id(cohort_id, participant_id), "status": "completed"}, {"_id": 1}) is not None

    async def of_cohort(self, cohort_id: str) -> dict[str, CompletionRecord]:
        cursor = self.db.completions.find({"cohort_id": cohort_id}, HIDDEN)
        return {doc["participant_id"]: completion_record(doc) async for doc in cursor}


# -- mapping between the domain model and documents -------------------------------------------

def session_document(session: Session) -> dict[str, Any]:
    return {
        "_id": session.id, "cohort_id": session.cohort_id, "programme_id": session.programme_id,
        "network_id": session.network_id, "kind": session.kind.value, "title": session.title,
        "starts_at": session.starts_at, "ends_at": session.ends_at, "time_zone": session.time_zone,
        "online": session.online, "mandatory": session.mandatory, "venue": session.venue, "city": session.city,
        "online_link": session.online_link, "description": session.description,
        "materials": [{"title": m.title, "url": m.url} for m in session.materials],
        "assignments": [{"title": a.title, "kind": a.kind, "description": a.description, "url": a.url}
                        for a in session.assignments],
        "agenda": [_agenda_item_document(item) for item in session.agenda],
        "attendance": [{"participant_id": a.participant_id, "status": a.status.value, "minutes": a.minutes,
                        "recorded_at": a.recorded_at, "recorded_by": a.recorded_by}
                       for a in session.attendance.values()],
        "make_ups": [{"participant_id": m.participant_id, "kind": m.kind.value, "session_id": m.session_id,
                      "note": m.note, "recorded_at": m.recorded_at, "recorded_by": m.recorded_by}
                     for m in session.make_ups.values()],
        "status": session.status.value, "held_at": session.held_at,
        "changes": [{"at": c.at, "what": c.what, "reason": c.reason, "starts_at": c.starts_at, "ends_at": c.ends_at}
                    for c in session.changes],
        "plan_step": session.plan_step, "version": session.version,
    }


def _agenda_item_document(item: AgendaItem) -> dict[str, Any]:
    return {"starts_at": item.starts_at, "ends_at": item.ends_at, "title": item.title, "kind": item.kind.value,
            "speakers": list(item.speakers), "facilitators": list(item.facilitators),
            "steps": [{"title": s.title, "minutes": s.minutes} for s in item.steps], "group_size": item.group_size}


def session_from(doc: dict[str, Any]) -> Session:
    return Session(
        id=doc["_id"], cohort_id=doc["cohort_id"], programme_id=doc["programme_id"], network_id=doc["network_id"],
        kind=GatheringKind(doc["kind"]), title=doc["title"], starts_at=doc["starts_at"], ends_at=doc["ends_at"],
        time_zone=doc["time_zone"], online=doc["online"], mandatory=doc["mandatory"], venue=doc.get("venue"),
        city=doc.get("city"), online_link=doc.get("online_link"), description=doc.get("description", ""),
        materials=[Material(**m) for m in doc.get("materials", [])],
        assignments=[Assignment(**a) for a in doc.get("assignments", [])],
        agenda=[AgendaItem(
            starts_at=i["starts_at"], ends_at=i["ends_at"], title=i["title"], kind=AgendaItemKind(i["kind"]),
            speakers=tuple(i.get("speakers", ())), facilitators=tuple(i.get("facilitators", ())),
            steps=tuple(DialogueStep(**s) for s in i.get("steps", ())), group_size=i.get("group_size"),
        ) for i in doc.get("agenda", [])],
        attendance={a["participant_id"]: Attendance(a["participant_id"], AttendanceStatus(a["status"]), a["minutes"],
                                                    a["recorded_at"], a.get("recorded_by"))
                    for a in doc.get("attendance", [])},
        make_ups={m["participant_id"]: MakeUp(m["participant_id"], MakeUpKind(m["kind"]), m.get("session_id"),
                                              m.get("note"), m["recorded_at"], m.get("recorded_by"))
                  for m in doc.get("make_ups", [])},
        status=SessionStatus(doc["status"]), held_at=doc.get("held_at"),
        changes=[Change(**c) for c in doc.get("changes", [])],
        plan_step=doc.get("plan_step"), version=doc["version"],
    )


def known_cohort(doc: dict[str, Any]) -> KnownCohort:
    """The cohort as the latest CohortOpened told it (see RosterStore.remember)."""
    return KnownCohort(
        cohort_id=doc["_id"], programme_id=doc["programme_id"], network_id=doc["network_id"],
        time_zone=doc["time_zone"], term=doc.get("term", ""), location=doc.get("location"),
        starts_on=date.fromisoformat(doc["starts_on"]) if doc.get("starts_on") else None,
    )


def known_programme(doc: dict[str, Any]) -> KnownProgramme:
    """The programme as the latest ProgrammePublished or ProgrammeUpdated told it."""
    return KnownProgramme(
        programme_id=doc["_id"], title=doc.get("title", ""), language=doc.get("language", "nb"),
        gathering_plan=tuple(PlannedGathering.model_validate(step) for step in doc.get("gathering_plan", [])),
        completion_rule=CompletionRule.model_validate(doc.get("completion_rule") or {}),
        curriculum_method_ids=tuple(doc.get("curriculum_method_ids", [])),
    )


def roster_entry(doc: dict[str, Any]) -> RosterEntry:
    return RosterEntry(
        cohort_id=doc["cohort_id"], application_id=doc["application_id"], participant_id=doc["participant_id"],
        organisation_id=doc["organisation_id"], unit_id=doc["unit_id"], network_id=doc["network_id"],
        status=doc["status"], via=doc.get("via"), enrolled_at=doc.get("enrolled_at"),
    )


def completion_record(doc: dict[str, Any]) -> CompletionRecord:
    return CompletionRecord(
        cohort_id=doc["cohort_id"], participant_id=doc["participant_id"], network_id=doc["network_id"],
        organisation_id=doc.get("organisation_id"), status=doc["status"], completed_at=doc["completed_at"],
    )
