"""MongoDB persistence of enrollment, through PyMongo's async API (FerretDB locally, MongoDB in compose).

Every state change that others must learn about is written together with its outbox
entries in one single-document operation. Each method here is one database operation;
a caller that reads a document and writes it back holds that document's DocumentLocks
entry, because FerretDB v1 updates are read-modify-write (see samla_shared.persistence).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from samla_shared.contract.base import IntegrationEvent
from samla_shared.messaging.outbox import mark_pending, merge_updates, new_document_outbox, staged, staged_packed
from samla_enrollment.domain.cohorts import CohortStatus

# Documents whose outbox the relay empties, read in this order: a registration of interest
# follows its programme's publication, so interests are read first (see
# OutboxRelay.publish_pending). Applications have no outbox: every event keyed by a cohort
# is staged on the cohort document (see CohortWriter), which gives each cohort one total
# order of events and spares the relay a scan of every application on each round. An
# erasure record carries ParticipantErased (see adapters/personal_data.py); read last, so
# the events it follows are out first.
OUTBOX_COLLECTIONS = ("interests", "cohorts", "programmes", "erasures")

DUPLICATE_KEY = 11000
# Parts of documents that most readers do not need: pending events, audit trails, seat lists.
WITHOUT_OUTBOX = {"outbox": 0}
COHORT_SEATING = {"outbox": 0, "audit": 0}
COHORT_SUMMARY = {"outbox": 0, "audit": 0, "enrolled": 0, "waitlist": 0, "waitlist_left": 0}
# A cohort's queue is a log of arrivals (see domain.seating.Queue) stored in slices of this
# many places, one document each keyed by cohort and slice number: a batch appends to the
# last slice or two, so the write grows with the batch, not with the queue, and a page of
# the queue is read by `_id`. The cohort document keeps the head, the places left behind it
# and the log's committed length; slice entries beyond that length are from a batch whose
# cohort write did not happen, and are ignored (and overwritten by the next batch).
WAITLIST_PAGE = 500
# Up to this many documents are read one `_id` lookup each, at once: FerretDB v1 uses the
# `_id` index for an equality only, and answers `{"_id": {"$in": ...}}` by reading the whole
# collection, so a page of fifty from 20,000 applications took seconds. Beyond it, one scan
# costs less than that many round trips.
BY_ID_LOOKUPS = 250
APPLICATION_SUMMARY = {"history": 0, "announce": 0}
# What the cohort writer needs to know of every application of a cohort when it takes it up.
APPLICATION_STATE = {"history": 0, "role": 0, "education": 0, "experience": 0, "motivation": 0}


async def ensure_indexes(db: AsyncDatabase) -> None:
    # Addresses are unique in the address map (`emails`, keyed by the address) instead: a person
    # who signs in may share an address with the record a form registered for them before.
    if "email_1" in await db.people.index_information():
        await _map_known_addresses(db)  # first, so a start that stops half-way does it again
        await db.people.drop_index("email_1")
    # One application per person per cohort: a duplicate is refused by the database itself,
    # atomically, however many arrive at once.
    await db.applications.create_index([("cohort_id", ASCENDING), ("participant_id", ASCENDING)], unique=True)
    await db.applications.create_index([("cohort_id", ASCENDING), ("submitted_at", ASCENDING)])
    for name in OUTBOX_COLLECTIONS:
        await db[name].create_index([("outbox_pending", ASCENDING)])
    await db.programmes.create_index([("network_id", ASCENDING)])
    await db.cohorts.create_index([("programme_id", ASCENDING)])
    await db.cohorts.create_index([("network_id", ASCENDING)])
    await db.interests.create_index([("programme_id", ASCENDING), ("person_id", ASCENDING)])


async def _map_known_addresses(db: AsyncDatabase, chunk: int = 1000) -> None:
    """Once, for a database from before the address map: map every stored person's address to them."""
    batch: list[dict[str, Any]] = []
    async for person in db.people.find({"email": {"$ne": None}}, {"email": 1}):
        batch.append({"_id": person["email"], "person_id": person["_id"]})
        if len(batch) >= chunk:
            await _insert_new(db, batch)
            batch = []
    await _insert_new(db, batch)


async def _insert_new(db: AsyncDatabase, mappings: list[dict[str, Any]]) -> None:
    if mappings:
        try:
            await db.emails.insert_many(mappings, ordered=False)
        except BulkWriteError as exc:
            _raise_unless_duplicates(exc)  # mapped by an earlier, interrupted start


class EnrollmentStore:
    waitlist_page = WAITLIST_PAGE  # places per slice of a queue's log

    def __init__(self, db: AsyncDatabase, source: str) -> None:
        self.db = db
        self.source = source

    def _with_events(self, update: dict[str, Any], events: Sequence[IntegrationEvent]) -> dict[str, Any]:
        return merge_updates(update, staged(*events, source=self.source)) if events else update

    # -- people (contact details live only here) -------------------------------------------

    async def map_addresses(self, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Map each address to its person, unless mapped already: returns those taken, with their holders."""
        if not pairs:
            return {}
        try:
            await self.db.emails.insert_many([{"_id": email, "person_id": pid} for email, pid in pairs],
                                             ordered=False)
            return {}
        except BulkWriteError as exc:
            refused = [pairs[i][0] for i in sorted(_raise_unless_duplicates(exc))]
        return {doc["_id"]: doc["person_id"] async for doc in self.db.emails.find({"_id": {"$in": refused}})}

    async def address_holder(self, email: str) -> str | None:
        found = await self.db.emails.find_one({"_id": email})
        return None if found is None else found["person_id"]

    async def remap_address(self, email: str, person_id: str) -> None:
        await self.db.emails.update_one({"_id": email}, {"$set": {"person_id": person_id}}, upsert=True)

    async def unmap_address(self, email: str, person_id: str) -> None:
        await self.db.emails.delete_one({"_id": email, "person_id": person_id})

    async def people_by_id(self, person_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return await _by_id(self.db.people, person_ids)

    async def add_people(self, people: Sequence[dict[str, Any]]) -> None:
        """Insert people; one inserted meanwhile under the same id (a registration finished twice) is kept."""
        if not people:
            return
        try:
            await self.db.people.insert_many(list(people), ordered=False)
        except BulkWriteError as exc:
            _raise_unless_duplicates(exc)

    async def update_person(self, person_id: str, fields: Mapping[str, Any]) -> None:
        await self.db.people.update_one({"_id": person_id}, {"$set": {**fields, "updated_at": datetime.now(UTC)}})

    async def person(self, person_id: str) -> dict[str, Any] | None:
        return await self.db.people.find_one({"_id": person_id})

    # -- programmes ------------------------------------------------------------------------

    async def add_programme(self, programme: dict[str, Any], *events: IntegrationEvent) -> None:
        document = programme | new_document_outbox(*events, source=self.source)
        await self.db.programmes.insert_one(document)
        await mark_pending(self.db.programmes, document["_id"], document)

    async def programme(self, programme_id: str) -> dict[str, Any] | None:
        return await self.db.programmes.find_one({"_id": programme_id}, WITHOUT_OUTBOX)

    async def programmes(self, *, network_ids: Sequence[str] | None, archived: bool | None, offset: int,
                         limit: int) -> list[dict[str, Any]]:
        """Programmes of these networks (any network when None), archived or not (either when None)."""
        filters = _one_of("network_id", network_ids)
        if archived is not None:
            filters["archived"] = archived
        cursor = self.db.programmes.find(filters, {"outbox": 0, "audit": 0})
        return [doc async for doc in cursor.sort([("created_at", ASCENDING), ("_id", ASCENDING)])
                .skip(offset).limit(limit)]

    async def save_programme(self, programme_id: str, fields: Mapping[str, Any], audit: dict[str, Any],
                             events: Sequence[IntegrationEvent]) -> None:
        update = {"$set": {**fields, "updated_at": audit["at"]}, "$push": {"audit": audit}}
        update = self._with_events(update, events)
        await self.db.programmes.update_one({"_id": programme_id}, update)
        await mark_pending(self.db.programmes, programme_id, update)

    # -- cohorts ---------------------------------------------------------------------------

    async def add_cohort(self, cohort: dict[str, Any], *events: IntegrationEvent) -> None:
        document = cohort | new_document_outbox(*events, source=self.source)
        await self.db.cohorts.insert_one(document)
        await mark_pending(self.db.cohorts, document["_id"], document)

    async def cohort(self, cohort_id: str, *, queue: bool = True) -> dict[str, Any] | None:
        """The cohort with its seating, without its audit trail; with `queue`, its whole queue log as
        `waitlist_log` (a cohort stored before the queue was paged has its queue in `waitlist`)."""
        cohort = await self.db.cohorts.find_one({"_id": cohort_id}, COHORT_SEATING)
        if cohort is not None and queue and "waitlist" not in cohort:
            cohort["waitlist_log"] = await self.waitlist_log(cohort)
        return cohort

    async def waitlist_log(self, cohort: dict[str, Any], slots: Sequence[int] | None = None) -> list[str | None]:
        """The cohort's queue log as committed; only the slices holding `slots` are read when given
        (the other places are None). Each slice is read by `_id`, at once."""
        length, size = cohort.get("waitlist_log_length", 0), self.waitlist_page
        wanted = sorted({slot // size for slot in slots}) if slots is not None else range((length + size - 1) // size)
        pages = await asyncio.gather(*(self.db.waitlist_pages.find_one({"_id": _page_id(cohort["_id"], n)})
                                       for n in wanted))
        log: list[str | None] = [None] * length
        for n, page in zip(wanted, pages, strict=True):
            if page is None:
                raise LookupError(f"cohort {cohort['_id']}: slice {n} of its queue is missing")
            start = n * size
            ids = page["ids"][:max(length - start, 0)]
            log[start:start + len(ids)] = ids
        return log

    async def save_waitlist_pages(self, cohort_id: str, pages: Mapping[int, list[str]]) -> None:
        """Write slices of the queue log (before the cohort write that commits them), in one round trip."""
        if pages:
            await self.db.waitlist_pages.bulk_write(
                [ReplaceOne({"_id": _page_id(cohort_id, n)}, {"_id": _page_id(cohort_id, n), "ids": ids}, upsert=True)
                 for n, ids in pages.items()], ordered=False)

    async def cohort_summary(self, cohort_id: str) -> dict[str, Any] | None:
        """The cohort with seat counters instead of the seat lists."""
        return await self.db.cohorts.find_one({"_id": cohort_id}, COHORT_SUMMARY)

    async def cohort_audit(self, cohort_id: str) -> list[dict[str, Any]] | None:
        found = await self.db.cohorts.find_one({"_id": cohort_id}, {"audit": 1})
        return None if found is None else found.get("audit", [])

    async def cohorts(self, *, programme_id: str | None = None, network_ids: Sequence[str] | None = None,
                      term: str | None = None, status: CohortStatus | None = None, now: datetime | None = None,
                      offset: int, limit: int) -> list[dict[str, Any]]:
        """Cohort summaries matching every criterion given; `status` is the one shown at `now`."""
        filters: dict[str, Any] = {k: v for k, v in (("programme_id", programme_id), ("term", term)) if v}
        filters |= _one_of("network_id", network_ids)
        if status is not None:  # derived from the clock and the seats, so translated into a query for now
            filters |= _status_filter(status, now or datetime.now(UTC))
        cursor = self.db.cohorts.find(filters, COHORT_SUMMARY)
        return [doc async for doc in cursor.sort([("created_at", ASCENDING), ("_id", ASCENDING)])
                .skip(offset).limit(limit)]

    async def cohort_ids_not_completed(self) -> list[str]:
        return await self._cohort_ids({"manual_status": {"$ne": CohortStatus.COMPLETED.value}})

    async def cohort_ids_with_offers_due(self, now: datetime) -> list[str]:
        """Cohorts holding a seat offer whose deadline is `now` or earlier."""
        return await self._cohort_ids({"next_offer_expires_at": {"$lte": now}})

    async def cohort_ids_with_approvals_due(self, now: datetime) -> list[str]:
        """Cohorts holding an application whose approval deadline is `now` or earlier."""
        return await self._cohort_ids({"next_approval_expires_at": {"$lte": now}})

    async def cohort_ids_taking_applications(self, programme_id: str, now: datetime) -> list[str]:
        """The programme's cohorts that show `open` at `now`."""
        return await self._cohort_ids({"programme_id": programme_id} | _status_filter(CohortStatus.OPEN, now))

    async def _cohort_ids(self, filters: dict[str, Any]) -> list[str]:
        return [doc["_id"] async for doc in self.db.cohorts.find(filters, {"_id": 1})]

    async def latest_cohort_announced_at(self, programme_id: str) -> datetime | None:
        cursor = self.db.cohorts.find({"programme_id": programme_id}, {"created_at": 1})
        latest = [doc async for doc in cursor.sort("created_at", DESCENDING).limit(1)]
        return latest[0]["created_at"] if latest else None

    async def save_cohort(self, cohort_id: str, *, version: int, new_version: int, fields: Mapping[str, Any],
                          audit: Sequence[dict[str, Any]], events: Sequence[IntegrationEvent],
                          unset: Sequence[str] = ()) -> bool:
        """Write a batch of changes to a cohort, if it is still at `version`. The caller holds the cohort's lock.

        The version check cannot replace the lock on FerretDB (its filter is checked
        before, not during, the write); it catches a second writer process, which the
        deployment rule (one enrollment instance per database) should rule out.
        """
        update: dict[str, Any] = {"$set": {**fields, "version": new_version, "updated_at": datetime.now(UTC)}}
        if audit:
            update["$push"] = {"audit": {"$each": list(audit)}}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        # Packed: a batch stages hundreds of events, and the cohort document is rewritten
        # whole by every write until the relay removed them (see samla_shared.messaging.outbox).
        if events:
            update = merge_updates(update, staged_packed(*events, source=self.source))
        result = await self.db.cohorts.update_one({"_id": cohort_id, "version": version}, update)
        if result.modified_count != 1:
            return False
        await mark_pending(self.db.cohorts, cohort_id, update)
        return True

    # -- applications ----------------------------------------------------------------------

    async def add_applications(self, applications: Sequence[dict[str, Any]]) -> set[int]:
        """Insert applications at once; returns the positions refused as duplicates."""
        try:
            await self.db.applications.insert_many(list(applications), ordered=False)
        except BulkWriteError as exc:
            return _raise_unless_duplicates(exc)
        return set()

    async def application(self, application_id: str) -> dict[str, Any] | None:
        return await self.db.applications.find_one({"_id": application_id}, {"announce": 0})

    async def applications_by_id(self, application_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await _by_id(self.db.applications, application_ids, APPLICATION_SUMMARY)

    async def application_states(self, cohort_id: str) -> list[dict[str, Any]]:
        """Every application of the cohort, without the free text, in submission order."""
        cursor = self.db.applications.find({"cohort_id": cohort_id}, APPLICATION_STATE)
        return [doc async for doc in cursor.sort([("submitted_at", ASCENDING), ("_id", ASCENDING)])]

    async def cohort_applications(self, cohort_id: str, *, organisation_id: str | None = None,
                                  status: str | None = None, excluding: Sequence[str] = (), offset: int,
                                  limit: int) -> list[dict[str, Any]]:
        """A page of the cohort's applications in submission order, of one organisation and status if given,
        leaving out the ids in `excluding`."""
        filters: dict[str, Any] = {"cohort_id": cohort_id}
        if organisation_id is not None:
            filters["organisation_id"] = organisation_id
        if status is not None:
            filters["status"] = status
        if excluding:
            filters["_id"] = {"$nin": list(excluding)}
        return await self._applications(filters, offset, limit)

    async def live_application(self, cohort_id: str, participant_id: str) -> dict[str, Any] | None:
        """The person's application to the cohort that is neither withdrawn nor declined, if any."""
        found = await self._applications({"cohort_id": cohort_id, "participant_id": participant_id,
                                         "status": {"$nin": ["withdrawn", "declined"]}}, 0, 1)
        return found[0] if found else None

    async def applications_of(self, person_ids: Iterable[str], *, limit: int) -> list[dict[str, Any]]:
        """Applications across cohorts made by any of these people, newest first."""
        return await self._applications({"participant_id": {"$in": sorted(person_ids)}}, 0, limit,
                                       newest_first=True)

    async def applications_for_leader(self, manager_ids: Iterable[str], organisation_ids: Iterable[str], *,
                                      limit: int) -> list[dict[str, Any]]:
        """Applications across cohorts naming one of these managers or made in one of these organisations,
        newest first."""
        scope: list[dict[str, Any]] = [{"manager_id": {"$in": sorted(manager_ids)}}]
        organisations = sorted(organisation_ids)
        if organisations:
            scope.append({"organisation_id": {"$in": organisations}})
        return await self._applications({"$or": scope}, 0, limit, newest_first=True)

    async def _applications(self, filters: dict[str, Any], offset: int, limit: int, *,
                            newest_first: bool = False) -> list[dict[str, Any]]:
        """Applications matching a Mongo filter, a page in submission order (behind the named queries above)."""
        order = DESCENDING if newest_first else ASCENDING
        cursor = self.db.applications.find(filters, APPLICATION_SUMMARY)
        return [doc async for doc in cursor.sort([("submitted_at", order), ("_id", order)])
                .skip(offset).limit(limit)]

    async def transition_application(
        self, application_id: str, *, expected: str, status: str, entries: Sequence[dict[str, Any]],
        announce: dict[str, Any] | None, fields: Mapping[str, Any] | None = None,
    ) -> bool:
        """Move an application from `expected` to `status`, appending its history (who, when, why)."""
        fields = ({"status": status, "updated_at": entries[0]["at"]} | ({"announce": announce} if announce else {})
                  | dict(fields or {}))
        update = {"$set": fields, "$push": {"history": {"$each": list(entries)}}}
        result = await self.db.applications.update_one({"_id": application_id, "status": expected}, update)
        return result.modified_count == 1

    async def move_application(self, application_id: str, *, from_cohort_id: str, to_cohort_id: str,
                               entries: Sequence[dict[str, Any]], announce: dict[str, Any]) -> bool:
        """Move an approved application to another cohort (a transfer), keeping its history and approvals."""
        update = {"$set": {"cohort_id": to_cohort_id, "updated_at": entries[0]["at"], "announce": announce},
                  "$push": {"history": {"$each": list(entries)}}}
        result = await self.db.applications.update_one(
            {"_id": application_id, "cohort_id": from_cohort_id, "status": "approved"}, update)
        return result.modified_count == 1

    async def append_history(self, application_id: str, entries: Sequence[dict[str, Any]]) -> None:
        """Record what happened to an application's place (a promotion, a placement made again)."""
        await self.db.applications.update_one(
            {"_id": application_id},
            {"$push": {"history": {"$each": list(entries)}}, "$set": {"updated_at": entries[-1]["at"]}})

    # -- interest in the next cohort -------------------------------------------------------

    async def add_interest(self, interest: dict[str, Any], *events: IntegrationEvent) -> None:
        document = interest | new_document_outbox(*events, source=self.source)
        await self.db.interests.insert_one(document)
        await mark_pending(self.db.interests, document["_id"], document)

    async def latest_interest(self, programme_id: str, person_id: str) -> dict[str, Any] | None:
        cursor = self.db.interests.find({"programme_id": programme_id, "person_id": person_id}, WITHOUT_OUTBOX)
        latest = [doc async for doc in cursor.sort("registered_at", DESCENDING).limit(1)]
        return latest[0] if latest else None

    async def interests(self, programme_id: str, offset: int, limit: int) -> list[dict[str, Any]]:
        cursor = self.db.interests.find({"programme_id": programme_id}, WITHOUT_OUTBOX)
        return [doc async for doc in cursor.sort([("registered_at", ASCENDING), ("_id", ASCENDING)])
                .skip(offset).limit(limit)]

    # -- what the cohort writer looks up -----------------------------------------------------

    async def application_of(self, cohort_id: str, participant_id: str) -> dict[str, Any] | None:
        """The person's application to the cohort, if any (there is at most one: see ensure_indexes)."""
        found = await self._applications({"cohort_id": cohort_id, "participant_id": participant_id}, 0, 1)
        return found[0] if found else None

    async def team_applications(self, cohort_id: str, team_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The applications of a team's members at the cohort, in submission order."""
        return await self._applications({"team_id": team_id, "cohort_id": cohort_id}, 0, limit)


async def _by_id(collection: Any, ids: Iterable[str], projection: Mapping[str, Any] | None = None
                 ) -> dict[str, dict[str, Any]]:
    """The documents with these `_id`s, by index lookups when few (see BY_ID_LOOKUPS)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if len(wanted) > BY_ID_LOOKUPS:
        return {doc["_id"]: doc async for doc in collection.find({"_id": {"$in": wanted}}, projection)}
    found = await asyncio.gather(*(collection.find_one({"_id": i}, projection) for i in wanted))
    return {doc["_id"]: doc for doc in found if doc is not None}


def _status_filter(status: CohortStatus, now: datetime) -> dict[str, Any]:
    """A query for cohorts showing `status` at `now` (the derived states follow cohort_status)."""
    derived: dict[str, Any] = {"manual_status": None}
    within_window = {"applications_open_at": {"$lte": now}, "applications_close_at": {"$gt": now}}
    if status is CohortStatus.PLANNED:
        return derived | {"applications_open_at": {"$gt": now}}
    if status is CohortStatus.OPEN:
        return derived | within_window | {"seats_free": {"$gt": 0}}
    if status is CohortStatus.FULL:
        return derived | within_window | {"seats_free": 0}
    if status is CohortStatus.CLOSED:
        return {"$or": [{"manual_status": CohortStatus.CLOSED.value},
                        derived | {"applications_close_at": {"$lte": now}}]}
    return {"manual_status": status.value}


def _one_of(field: str, values: Sequence[str] | None) -> dict[str, Any]:
    """A filter on `field` being any of `values`; none at all when None (an equality for a single value)."""
    if values is None:
        return {}
    if len(values) == 1:
        return {field: values[0]}
    return {field: {"$in": list(values)}}


def _page_id(cohort_id: str, page: int) -> str:
    return f"{cohort_id}:{page}"


def _raise_unless_duplicates(exc: BulkWriteError) -> set[int]:
    errors = exc.details.get("writeErrors", [])
    if any(error.get("code") != DUPLICATE_KEY for error in errors) or exc.details.get("writeConcernErrors"):
        raise exc
    return {error["index"] for error in errors}

