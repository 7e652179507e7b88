"""What notifications remembers from other services' events: only what mails and reminders need.

Programme titles, cohort terms and places, who holds a seat in a cohort, the sessions of a
cohort, who registered interest, and who follows up a measure: ids and facts, never names
or addresses (those are asked from enrollment at send time). Each collection is written by
the consumer of one topic, and the rows are keyed by the aggregate, so the partition that
owns the aggregate is the single writer; updates still hold the document lock, as every
read-modify-write on FerretDB v1 must.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.domain.known_facts import (
    KnownApplication,
    KnownCohort,
    KnownInterest,
    KnownMeasure,
    KnownProgramme,
    KnownSession,
)
from samla_notifications.domain.mail_context import as_date


class _RecentDocuments:
    """Documents read in the last few seconds, so a burst of events about one cohort reads it once.

    Only for programmes and cohorts, which change rarely and whose staleness costs at most
    an old title in one mail; a write through this process forgets its entry at once.
    """

    def __init__(self, seconds: float, size: int = 2048) -> None:
        self._seconds = seconds
        self._size = size
        self._entries: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def get(self, key: str) -> tuple[bool, dict[str, Any] | None]:
        entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > self._seconds:
            return False, None
        return True, entry[1]

    def put(self, key: str, document: dict[str, Any] | None) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()  # crude, but bounded; a refill costs one read per key
        self._entries[key] = (time.monotonic(), document)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


async def ensure_read_model_indexes(db: AsyncDatabase) -> None:
    await db.roster.create_index([("cohort_id", ASCENDING)])
    await db.sessions.create_index([("cohort_id", ASCENDING)])
    await db.interests.create_index([("programme_id", ASCENDING)])


def programme_from_document(document: dict[str, Any]) -> KnownProgramme:
    return KnownProgramme(id=document["_id"], title=document.get("title"), language=document.get("language"),
                          network_id=document.get("network_id"))


def cohort_from_document(document: dict[str, Any]) -> KnownCohort:
    """A stored cohort as the record the use cases read; its start day is stored as an ISO string."""
    return KnownCohort(
        id=document["_id"], programme_id=document.get("programme_id"), network_id=document.get("network_id"),
        term=document.get("term"), location=document.get("location"), time_zone=document.get("time_zone"),
        applications_open_at=document.get("applications_open_at"),
        applications_close_at=document.get("applications_close_at"), starts_on=as_date(document.get("starts_on")))


def session_from_document(document: dict[str, Any]) -> KnownSession:
    return KnownSession(
        id=document["_id"], cohort_id=document["cohort_id"], network_id=document["network_id"],
        starts_at=document["starts_at"], ends_at=document["ends_at"], time_zone=document["time_zone"],
        programme_id=document.get("programme_id"), kind=document.get("kind"), online=bool(document.get("online")),
        mandatory=bool(document.get("mandatory")), status=document.get("status"),
        sequence=int(document.get("sequence", 0)), schedule_event_id=document.get("schedule_event_id"),
        previous_starts_at=document.get("previous_starts_at"), reason=document.get("reason"))


def application_from_document(document: dict[str, Any]) -> KnownApplication:
    return KnownApplication(
        id=document["_id"], cohort_id=document.get("cohort_id"), programme_id=document.get("programme_id"),
        participant_id=document.get("participant_id"), manager_id=document.get("manager_id"),
        requires_manager_approval=document.get("requires_manager_approval"),
        approval_step=document.get("approval_step", 1), status=document.get("status"))


def interest_from_document(document: dict[str, Any]) -> KnownInterest:
    return KnownInterest(id=document["_id"], programme_id=document["programme_id"], person_id=document["person_id"],
                         network_id=document.get("network_id"), registered_at=document.get("registered_at"),
                         notified_for=document.get("notified_for"))


def measure_from_document(document: dict[str, Any]) -> KnownMeasure:
    return KnownMeasure(id=document["_id"], area=document.get("area"), people=tuple(document.get("people", [])),
                        status=document.get("status"), network_id=document.get("network_id"),
                        organisation_id=document.get("organisation_id"))


class ReadModel:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks, cache_seconds: float = 10.0) -> None:
        self.db = db
        self._locks = locks
        self._recent = {"programmes": _RecentDocuments(cache_seconds), "cohorts": _RecentDocuments(cache_seconds)}

    async def _upsert(self, collection: str, document_id: str, fields: dict[str, Any]) -> None:
        async with self._locks.hold(collection, document_id):
            await self.db[collection].update_one({"_id": document_id}, {"$set": fields}, upsert=True)
        if collection in self._recent:
            self._recent[collection].forget(document_id)

    async def _cached(self, collection: str, document_id: str | None) -> dict[str, Any] | None:
        if not document_id:
            return None
        recent = self._recent[collection]
        known, document = recent.get(document_id)
        if not known:
            document = await self.db[collection].find_one({"_id": document_id})
            recent.put(document_id, document)
        return document

    # -- programmes and cohorts -------------------------------------------------------------

    async def save_programme(self, programme_id: str, **fields: Any) -> None:
        await self._upsert("programmes", programme_id, fields)

    async def programme(self, programme_id: str | None) -> KnownProgramme | None:
        found = await self._cached("programmes", programme_id)
        return None if found is None else programme_from_document(found)

    async def save_cohort(self, cohort_id: str, **fields: Any) -> None:
        await self._upsert("cohorts", cohort_id, fields)

    async def cohort(self, cohort_id: str | None) -> KnownCohort | None:
        found = await self._cached("cohorts", cohort_id)
        return None if found is None else cohort_from_document(found)

    # -- who holds a seat --------------------------------------------------------------------

    async def enrol(self, cohort_id: str, participant_id: str) -> None:
        try:  # one row per seat: an insert, atomic, and a redelivery is a duplicate
            await self.db.roster.insert_one({"_id": f"{cohort_id}:{participant_id}", "cohort_id": cohort_id,
                                             "participant_id": participant_id})
        except DuplicateKeyError:
            pass

    async def unenrol(self, cohort_id: str, participant_id: str) -> None:
        await self.db.roster.delete_one({"_id": f"{cohort_id}:{participant_id}"})

    async def roster(self, cohort_id: str) -> list[str]:
        cursor = self.db.roster.find({"cohort_id": cohort_id}).sort("participant_id", ASCENDING)
        return [row["participant_id"] async for row in cursor]

    # -- applications (who manages whom) -----------------------------------------------------

    async def save_application(self, application_id: str, **fields: Any) -> None:
        await self._upsert("applications", application_id, fields)

    async def application(self, application_id: str) -> KnownApplication | None:
        found = await self.db.applications.find_one({"_id": application_id})
        return None if found is None else application_from_document(found)

    async def application_in(self, cohort_id: str, participant_id: str) -> KnownApplication | None:
        """The participant's application to the cohort (the latest, should there be several)."""
        found = self.db.applications.find({"cohort_id": cohort_id, "participant_id": participant_id})
        latest = next(iter([a async for a in found][-1:]), None)
        return None if latest is None else application_from_document(latest)

    # -- sessions ----------------------------------------------------------------------------

    async def save_session(self, session_id: str, **fields: Any) -> None:
        await self._upsert("sessions", session_id, fields)

    async def move_session(self, session_id: str, *, starts_at: datetime, ends_at: datetime, event_id: str,
                           reason: str) -> KnownSession | None:
        """Record a new time; returns the session as it was before (None if unknown), once per event."""
        async with self._locks.hold("sessions", session_id):
            before = await self.db.sessions.find_one({"_id": session_id})
            if before is None:
                return None
            if before.get("schedule_event_id") == event_id:
                return session_from_document(before)
            await self.db.sessions.update_one({"_id": session_id}, {
                "$set": {"starts_at": starts_at, "ends_at": ends_at, "schedule_event_id": event_id,
                         "previous_starts_at": before["starts_at"], "reason": reason},
                "$inc": {"sequence": 1},
            })
            return session_from_document(before)

    async def session(self, session_id: str) -> KnownSession | None:
        found = await self.db.sessions.find_one({"_id": session_id})
        return None if found is None else session_from_document(found)

    async def upcoming_sessions(self, cohort_id: str, after: datetime) -> list[KnownSession]:
        cursor = self.db.sessions.find({"cohort_id": cohort_id, "status": "scheduled", "starts_at": {"$gt": after}})
        return [session_from_document(session) async for session in cursor]

    # -- interest in the next cohort ---------------------------------------------------------

    async def add_interest(self, interest_id: str, **fields: Any) -> None:
        try:
            await self.db.interests.insert_one({"_id": interest_id, "notified_for": None, **fields})
        except DuplicateKeyError:
            pass

    async def interests_to_tell(self, programme_id: str, cohort_id: str) -> list[KnownInterest]:
        """Interests not yet told of a cohort, plus those told of this one (a redelivery finishes them)."""
        cursor = self.db.interests.find({"programme_id": programme_id, "notified_for": {"$in": [None, cohort_id]}})
        return [interest_from_document(interest) async for interest in cursor]

    async def interest_told(self, interest_id: str, cohort_id: str) -> None:
        await self._upsert("interests", interest_id, {"notified_for": cohort_id})

    # -- measures ----------------------------------------------------------------------------

    async def save_measure(self, measure_id: str, **fields: Any) -> None:
        await self._upsert("measures", measure_id, fields)

    async def measure(self, measure_id: str) -> KnownMeasure | None:
        found = await self.db.measures.find_one({"_id": measure_id})
        return None if found is None else measure_from_document(found)
