"""MongoDB persistence of enrollment. Every state change that others must learn about is
written together with its outbox entries in one single-document operation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.messaging.outbox import merge_updates, new_document_outbox, staged
from samla_enrollment.domain.errors import Conflict

# Read by the relay in this order; a use case writes the application before the cohort,
# so cohorts come first (see OutboxRelay.publish_pending).
OUTBOX_COLLECTIONS = ("cohorts", "applications", "programmes")


def new_id() -> str:
    return uuid.uuid4().hex


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db.people.create_index([("email", ASCENDING)], unique=True)
    # One application per person per cohort: a duplicate is refused by the database itself.
    await db.applications.create_index([("cohort_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)
    for name in OUTBOX_COLLECTIONS:
        await db[name].create_index([("outbox_pending", ASCENDING)])
    await db.cohorts.create_index([("programme_id", ASCENDING)])
    await db.cohorts.create_index([("network_id", ASCENDING)])


class EnrollmentStore:
    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    # -- people (contact details live only here) -------------------------------------------

    async def identify_person(self, *, email: str, name: str, phone: str | None) -> str:
        """The stable id of the person with this e-mail address, created on first sight."""
        contact = {"name": name} | ({"phone": phone} if phone else {})
        for _ in range(3):
            try:
                person = await self.db.people.find_one_and_update(
                    {"email": email.lower()},
                    {"$setOnInsert": {"_id": new_id(), "created_at": datetime.now(UTC)}, "$set": contact},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                return person["_id"]
            except DuplicateKeyError:
                continue  # two first sightings raced; the unique e-mail index kept one, read it next time
        raise Conflict("could not register this person; try again")

    async def person(self, person_id: str) -> dict[str, Any] | None:
        return await self.db.people.find_one({"_id": person_id})

    # -- programmes ------------------------------------------------------------------------

    async def add_programme(self, programme: dict[str, Any], *events: IntegrationEvent) -> None:
        try:
            await self.db.programmes.insert_one(programme | new_document_outbox(*events, source=self.source))
        except DuplicateKeyError as exc:
            raise Conflict("a programme with this id already exists") from exc

    async def programme(self, programme_id: str) -> dict[str, Any] | None:
        return await self.db.programmes.find_one({"_id": programme_id}, {"outbox": 0})

    async def programmes(self, filters: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self.db.programmes.find(filters, {"outbox": 0}).sort("created_at", ASCENDING).skip(offset).limit(limit)
        return [doc async for doc in cursor]

    # -- cohorts ---------------------------------------------------------------------------

    async def add_cohort(self, cohort: dict[str, Any], *events: IntegrationEvent) -> None:
        await self.db.cohorts.insert_one(cohort | new_document_outbox(*events, source=self.source))

    async def cohort(self, cohort_id: str) -> dict[str, Any] | None:
        return await self.db.cohorts.find_one({"_id": cohort_id}, {"outbox": 0})

    async def cohorts(self, filters: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self.db.cohorts.find(filters, {"outbox": 0, "audit": 0}).sort("created_at", ASCENDING)
        return [doc async for doc in cursor.skip(offset).limit(limit)]

    async def save_seating(
        self, cohort: dict[str, Any], *, enrolled: list[str], waitlist: list[str],
        audit: list[dict[str, Any]], events: list[IntegrationEvent],
    ) -> bool:
        """Write the new seating if nobody changed the cohort since it was read (optimistic check)."""
        update = merge_updates(
            {"$set": {"enrolled": enrolled, "waitlist": waitlist}, "$inc": {"version": 1}},
            {"$push": {"audit": {"$each": audit}}} if audit else {},
        )
        if events:
            outbox = staged(*events, source=self.source)
            update["$set"].update(outbox["$set"])
            update["$inc"].update(outbox["$inc"])
        result = await self.db.cohorts.update_one({"_id": cohort["_id"], "version": cohort["version"]}, update)
        return result.modified_count == 1

    # -- applications ----------------------------------------------------------------------

    async def add_application(self, application: dict[str, Any], *events: IntegrationEvent) -> None:
        try:
            await self.db.applications.insert_one(application | new_document_outbox(*events, source=self.source))
        except DuplicateKeyError as exc:
            raise Conflict("this person has already applied to this cohort") from exc

    async def application(self, application_id: str) -> dict[str, Any] | None:
        return await self.db.applications.find_one({"_id": application_id}, {"outbox": 0})

    async def transition_application(
        self, application_id: str, *, expected: list[str], status: str, by: str, reason: str | None,
        events: list[IntegrationEvent], extra: dict[str, Any] | None = None,
    ) -> bool:
        """Move an application from one of `expected` to `status`, recording who, when and why."""
        now = datetime.now(UTC)
        update = merge_updates(
            {"$set": {"status": status, "updated_at": now, **(extra or {})}},
            {"$push": {"history": {"at": now, "by": by, "to": status, "reason": reason}}},
        )
        if events:
            outbox = staged(*events, source=self.source)
            update["$set"].update(outbox["$set"])
            update.setdefault("$inc", {}).update(outbox["$inc"])
        result = await self.db.applications.update_one({"_id": application_id, "status": {"$in": expected}}, update)
        return result.modified_count == 1
