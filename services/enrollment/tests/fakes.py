"""In-memory fakes of enrollment's ports (samla_enrollment.adapters.ports), for use-case tests without the stack.

They keep what the use cases rely on from the MongoDB stores: one application per person
and cohort (a duplicate is refused by position), one address per person in the address
map, a cohort write only at the version read (else nothing is written), a directory id
taken once, documents copied in and out (a caller's dict is never the stored one), the
parts each read leaves out (the outbox, audit trails, seat lists, free text), and every
event staged in the same write as its change (`staged`, in order).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus, cohort_status

Document = dict[str, Any]

WAITLIST_PAGE = 500
# What each read leaves out, as the stores' projections do.
COHORT_SEATING = ("outbox", "audit")
COHORT_SUMMARY = ("outbox", "audit", "enrolled", "waitlist", "waitlist_left")
APPLICATION_SUMMARY = ("history", "announce")
APPLICATION_STATE = ("history", "role", "education", "experience", "motivation")


def _without(document: Mapping[str, Any] | None, fields: Sequence[str]) -> Document | None:
    if document is None:
        return None
    return {k: copy.deepcopy(v) for k, v in document.items() if k not in fields}


def _page(documents: Iterable[Document], order: Sequence[str], offset: int, limit: int, *,
          newest_first: bool = False) -> list[Document]:
    ordered = sorted(documents, key=lambda d: tuple(d.get(k) for k in order), reverse=newest_first)
    return ordered[offset:offset + limit] if limit else ordered[offset:]


class Staging:
    """The outbox: every event a write staged, with the document it was staged on."""

    def __init__(self) -> None:
        self.staged: list[tuple[str, str, IntegrationEvent]] = []

    def stage(self, collection: str, document_id: str, events: Iterable[IntegrationEvent]) -> None:
        self.staged.extend((collection, document_id, event) for event in events)

    def events(self, kind: type[IntegrationEvent] | None = None) -> list[IntegrationEvent]:
        return [e for _, _, e in self.staged if kind is None or isinstance(e, kind)]


class FakeEnrollmentStore(Staging):
    waitlist_page = WAITLIST_PAGE

    def __init__(self) -> None:
        super().__init__()
        self.people: dict[str, Document] = {}
        self.emails: dict[str, str] = {}
        self.programme_docs: dict[str, Document] = {}
        self.cohort_docs: dict[str, Document] = {}
        self.waitlist_pages: dict[tuple[str, int], list[str]] = {}
        self.application_docs: dict[str, Document] = {}
        self.interest_docs: dict[str, Document] = {}

    # -- people ------------------------------------------------------------------------------

    async def map_addresses(self, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
        taken: dict[str, str] = {}
        for email, person_id in pairs:
            if email in self.emails:
                taken[email] = self.emails[email]
            else:
                self.emails[email] = person_id
        return taken

    async def address_holder(self, email: str) -> str | None:
        return self.emails.get(email)

    async def remap_address(self, email: str, person_id: str) -> None:
        self.emails[email] = person_id

    async def unmap_address(self, email: str, person_id: str) -> None:
        if self.emails.get(email) == person_id:
            del self.emails[email]

    async def people_by_id(self, person_ids: Iterable[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self.people[i]) for i in set(person_ids) if i in self.people}

    async def add_people(self, people: Sequence[Document]) -> None:
        for person in people:
            self.people.setdefault(person["_id"], copy.deepcopy(person))

    async def update_person(self, person_id: str, fields: Mapping[str, Any]) -> None:
        if person_id in self.people:
            self.people[person_id] |= copy.deepcopy(dict(fields)) | {"updated_at": datetime.now(UTC)}

    async def person(self, person_id: str) -> Document | None:
        return copy.deepcopy(self.people.get(person_id))

    # -- programmes ----------------------------------------------------------------------------

    async def add_programme(self, programme: Document, *events: IntegrationEvent) -> None:
        self._insert(self.programme_docs, programme)
        self.stage("programmes", programme["_id"], events)

    async def programme(self, programme_id: str) -> Document | None:
        return _without(self.programme_docs.get(programme_id), ("outbox",))

    async def programmes(self, *, network_ids: Sequence[str] | None, archived: bool | None, offset: int,
                         limit: int) -> list[Document]:
        found = [p for p in self.programme_docs.values()
                 if (network_ids is None or p["network_id"] in network_ids)
                 and (archived is None or p["archived"] == archived)]
        return [_without(p, ("outbox", "audit")) for p in _page(found, ("created_at", "_id"), offset, limit)]

    async def save_programme(self, programme_id: str, fields: Mapping[str, Any], audit: Document,
                             events: Sequence[IntegrationEvent]) -> None:
        programme = self.programme_docs[programme_id]
        programme |= copy.deepcopy(dict(fields)) | {"updated_at": audit["at"]}
        programme.setdefault("audit", []).append(copy.deepcopy(audit))
        self.stage("programmes", programme_id, events)

    # -- cohorts ---------------------------------------------------------------------------------

    async def add_cohort(self, cohort: Document, *events: IntegrationEvent) -> None:
        self._insert(self.cohort_docs, cohort)
        self.stage("cohorts", cohort["_id"], events)

    async def cohort(self, cohort_id: str, *, queue: bool = True) -> Document | None:
        cohort = _without(self.cohort_docs.get(cohort_id), COHORT_SEATING)
        if cohort is not None and queue and "waitlist" not in cohort:
            cohort["waitlist_log"] = await self.waitlist_log(cohort)
        return cohort

    async def cohort_summary(self, cohort_id: str) -> Document | None:
        return _without(self.cohort_docs.get(cohort_id), COHORT_SUMMARY)

    async def cohort_audit(self, cohort_id: str) -> list[Document] | None:
        cohort = self.cohort_docs.get(cohort_id)
        return None if cohort is None else copy.deepcopy(cohort.get("audit", []))

    async def cohorts(self, *, programme_id: str | None = None, network_ids: Sequence[str] | None = None,
                      term: str | None = None, status: CohortStatus | None = None, now: datetime | None = None,
                      offset: int, limit: int) -> list[Document]:
        now = now or datetime.now(UTC)
        found = [c for c in self.cohort_docs.values()
                 if (not programme_id or c["programme_id"] == programme_id) and (not term or c["term"] == term)
                 and (network_ids is None or c["network_id"] in network_ids)
                 and (status is None or _status(c, now) is status)]
        return [_without(c, COHORT_SUMMARY) for c in _page(found, ("created_at", "_id"), offset, limit)]

    async def cohort_ids_not_completed(self) -> list[str]:
        return [i for i, c in self.cohort_docs.items() if c.get("manual_status") != CohortStatus.COMPLETED.value]

    async def cohort_ids_with_offers_due(self, now: datetime) -> list[str]:
        return [i for i, c in self.cohort_docs.items()
                if c.get("next_offer_expires_at") is not None and c["next_offer_expires_at"] <= now]

    async def cohort_ids_with_approvals_due(self, now: datetime) -> list[str]:
        return [i for i, c in self.cohort_docs.items()
                if c.get("next_approval_expires_at") is not None and c["next_approval_expires_at"] <= now]

    async def cohort_ids_taking_applications(self, programme_id: str, now: datetime) -> list[str]:
        return [i for i, c in self.cohort_docs.items()
                if c["programme_id"] == programme_id and _status(c, now) is CohortStatus.OPEN]

    async def latest_cohort_announced_at(self, programme_id: str) -> datetime | None:
        return max((c["created_at"] for c in self.cohort_docs.values() if c["programme_id"] == programme_id),
                   default=None)

    async def waitlist_log(self, cohort: Document, slots: Sequence[int] | None = None) -> list[str | None]:
        length, size = cohort.get("waitlist_log_length", 0), self.waitlist_page
        wanted = sorted({slot // size for slot in slots}) if slots is not None else range((length + size - 1) // size)
        log: list[str | None] = [None] * length
        for n in wanted:
            page = self.waitlist_pages.get((cohort["_id"], n))
            if page is None:
                raise LookupError(f"cohort {cohort['_id']}: slice {n} of its queue is missing")
            ids = page[:max(length - n * size, 0)]
            log[n * size:n * size + len(ids)] = ids
        return log

    async def save_waitlist_pages(self, cohort_id: str, pages: Mapping[int, list[str]]) -> None:
        for n, ids in pages.items():
            self.waitlist_pages[(cohort_id, n)] = list(ids)

    async def save_cohort(self, cohort_id: str, *, version: int, new_version: int, fields: Mapping[str, Any],
                          audit: Sequence[Document], events: Sequence[IntegrationEvent],
                          unset: Sequence[str] = ()) -> bool:
        cohort = self.cohort_docs.get(cohort_id)
        if cohort is None or cohort.get("version") != version:
            return False
        cohort |= copy.deepcopy(dict(fields)) | {"version": new_version, "updated_at": datetime.now(UTC)}
        cohort.setdefault("audit", []).extend(copy.deepcopy(list(audit)))
        for field in unset:
            cohort.pop(field, None)
        self.stage("cohorts", cohort_id, events)
        return True

    # -- applications ----------------------------------------------------------------------------

    async def add_applications(self, applications: Sequence[Document]) -> set[int]:
        refused: set[int] = set()
        for position, application in enumerate(applications):
            if application["_id"] in self.application_docs or any(
                    a["cohort_id"] == application["cohort_id"] and a["participant_id"] == application["participant_id"]
                    for a in self.application_docs.values()):
                refused.add(position)
            else:
                self.application_docs[application["_id"]] = copy.deepcopy(application)
        return refused

    async def application(self, application_id: str) -> Document | None:
        return _without(self.application_docs.get(application_id), ("announce",))

    async def applications_by_id(self, application_ids: Sequence[str]) -> dict[str, Document]:
        return {i: _without(self.application_docs[i], APPLICATION_SUMMARY)  # type: ignore[misc]
                for i in set(application_ids) if i in self.application_docs}

    async def application_states(self, cohort_id: str) -> list[Document]:
        found = [a for a in self.application_docs.values() if a["cohort_id"] == cohort_id]
        return [_without(a, APPLICATION_STATE) for a in _page(found, ("submitted_at", "_id"), 0, 0)]  # type: ignore[misc]

    async def cohort_applications(self, cohort_id: str, *, organisation_id: str | None = None,
                                  status: str | None = None, excluding: Sequence[str] = (), offset: int,
                                  limit: int) -> list[Document]:
        found = [a for a in self.application_docs.values()
                 if a["cohort_id"] == cohort_id and a["_id"] not in excluding
                 and (organisation_id is None or a["organisation_id"] == organisation_id)
                 and (status is None or a["status"] == status)]
        return self._summaries(found, offset, limit)

    async def live_application(self, cohort_id: str, participant_id: str) -> Document | None:
        found = [a for a in self.application_docs.values()
                 if a["cohort_id"] == cohort_id and a["participant_id"] == participant_id
                 and a["status"] not in ("withdrawn", "declined")]
        page = self._summaries(found, 0, 1)
        return page[0] if page else None

    async def application_of(self, cohort_id: str, participant_id: str) -> Document | None:
        page = self._summaries([a for a in self.application_docs.values()
                                if a["cohort_id"] == cohort_id and a["participant_id"] == participant_id], 0, 1)
        return page[0] if page else None

    async def team_applications(self, cohort_id: str, team_id: str, limit: int = 50) -> list[Document]:
        return self._summaries([a for a in self.application_docs.values()
                                if a["cohort_id"] == cohort_id and a.get("team_id") == team_id], 0, limit)

    async def applications_of(self, person_ids: Iterable[str], *, limit: int) -> list[Document]:
        mine = set(person_ids)
        found = [a for a in self.application_docs.values() if a["participant_id"] in mine]
        return self._summaries(found, 0, limit, newest_first=True)

    async def applications_for_leader(self, manager_ids: Iterable[str], organisation_ids: Iterable[str], *,
                                      limit: int) -> list[Document]:
        managers, organisations = set(manager_ids), set(organisation_ids)
        found = [a for a in self.application_docs.values()
                 if a["manager_id"] in managers or a["organisation_id"] in organisations]
        return self._summaries(found, 0, limit, newest_first=True)

    def _summaries(self, found: list[Document], offset: int, limit: int, *,
                   newest_first: bool = False) -> list[Document]:
        page = _page(found, ("submitted_at", "_id"), offset, limit, newest_first=newest_first)
        return [_without(a, APPLICATION_SUMMARY) for a in page]  # type: ignore[misc]

    async def transition_application(self, application_id: str, *, expected: str, status: str,
                                     entries: Sequence[Document], announce: Document | None,
                                     fields: Mapping[str, Any] | None = None) -> bool:
        application = self.application_docs.get(application_id)
        if application is None or application["status"] != expected:
            return False
        application |= copy.deepcopy({"status": status, "updated_at": entries[0]["at"]}
                                     | ({"announce": announce} if announce else {}) | dict(fields or {}))
        application.setdefault("history", []).extend(copy.deepcopy(list(entries)))
        return True

    async def move_application(self, application_id: str, *, from_cohort_id: str, to_cohort_id: str,
                               entries: Sequence[Document], announce: Document) -> bool:
        application = self.application_docs.get(application_id)
        if application is None or application["cohort_id"] != from_cohort_id or application["status"] != "approved":
            return False
        application |= copy.deepcopy({"cohort_id": to_cohort_id, "updated_at": entries[0]["at"],
                                      "announce": announce})
        application.setdefault("history", []).extend(copy.deepcopy(list(entries)))
        return True

    async def append_history(self, application_id: str, entries: Sequence[Document]) -> None:
        application = self.application_docs.get(application_id)
        if application is not None:
            application.setdefault("history", []).extend(copy.deepcopy(list(entries)))
            application["updated_at"] = entries[-1]["at"]

    # -- interest ----------------------------------------------------------------------------------

    async def add_interest(self, interest: Document, *events: IntegrationEvent) -> None:
        self._insert(self.interest_docs, interest)
        self.stage("interests", interest["_id"], events)

    async def latest_interest(self, programme_id: str, person_id: str) -> Document | None:
        found = [i for i in self.interest_docs.values()
                 if i["programme_id"] == programme_id and i["person_id"] == person_id]
        return _without(max(found, key=lambda i: i["registered_at"]), ("outbox",)) if found else None

    async def interests(self, programme_id: str, offset: int, limit: int) -> list[Document]:
        found = [i for i in self.interest_docs.values() if i["programme_id"] == programme_id]
        return [_without(i, ("outbox",)) for i in _page(found, ("registered_at", "_id"), offset, limit)]  # type: ignore[misc]

    @staticmethod
    def _insert(collection: dict[str, Document], document: Document) -> None:
        if document["_id"] in collection:
            raise KeyError(f"duplicate _id {document['_id']}")
        collection[document["_id"]] = copy.deepcopy(document)


def _status(cohort: Mapping[str, Any], now: datetime) -> CohortStatus:
    """The status the cohort shows at `now` (what the store's query for a status selects)."""
    window = ApplicationWindow(cohort["applications_open_at"], cohort["applications_close_at"],
                               cohort.get("time_zone", "Europe/Oslo"))
    manual = CohortStatus(cohort["manual_status"]) if cohort.get("manual_status") else None
    return cohort_status(manual=manual, window=window, seats_free=cohort.get("seats_free", 0), now=now)


class FakeDirectoryStore(Staging):
    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, dict[str, Document]] = {"networks": {}, "organisations": {}, "units": {}}

    async def add(self, kind: str, entry: Document, event: IntegrationEvent) -> bool:
        if entry["_id"] in self.entries[kind]:
            return False
        self.entries[kind][entry["_id"]] = copy.deepcopy(entry)
        self.stage(kind, entry["_id"], [event])
        return True

    async def get(self, kind: str, entry_id: str) -> Document | None:
        return copy.deepcopy(self.entries[kind].get(entry_id))

    async def save(self, kind: str, entry_id: str, fields: Mapping[str, Any], at: datetime,
                   event: IntegrationEvent) -> None:
        self.entries[kind][entry_id] |= copy.deepcopy(dict(fields)) | {"updated_at": at}
        self.stage(kind, entry_id, [event])

    async def find(self, kind: str, *, under: Mapping[str, Sequence[str]], q: str | None, offset: int,
                   limit: int) -> list[Document]:
        def found(entry: Document) -> bool:
            if any(entry.get(field) not in ids for field, ids in under.items()):
                return False
            if not q:
                return True
            words = q.strip()
            return (words.lower() in entry["name"].lower() or entry["_id"] == words
                    or entry.get("organisation_number") == words)

        return copy.deepcopy(_page(filter(found, self.entries[kind].values()), ("name", "_id"), offset, limit))

    async def names(self, kind: str, entry_ids: Iterable[str]) -> dict[str, str]:
        return {i: self.entries[kind][i]["name"] for i in set(entry_ids) if i and i in self.entries[kind]}


class FakePersonalDataStore(Staging):
    """Erasure and retention over the same people, applications, interests and cohorts as `enrollment`'s."""

    def __init__(self, enrollment: FakeEnrollmentStore) -> None:
        super().__init__()
        self._enrollment = enrollment
        self.erasures: dict[str, Document] = {}

    async def person(self, person_id: str) -> Document | None:
        return copy.deepcopy(self._enrollment.people.get(person_id))

    async def applications_of(self, person_id: str) -> list[Document]:
        found = [a for a in self._enrollment.application_docs.values()
                 if person_id in (a["participant_id"], a["manager_id"])]
        return [_without(a, ("announce",)) for a in _page(found, ("submitted_at", "_id"), 0, 0)]  # type: ignore[misc]

    async def interests_of(self, person_id: str) -> list[Document]:
        found = [i for i in self._enrollment.interest_docs.values() if i["person_id"] == person_id]
        return [_without(i, ("outbox",)) for i in _page(found, ("registered_at", "_id"), 0, 0)]  # type: ignore[misc]

    async def erasure(self, person_id: str) -> Document | None:
        return copy.deepcopy(self.erasures.get(person_id))

    async def add_erasure(self, record: Document) -> bool:
        if record["_id"] in self.erasures:
            return False
        self.erasures[record["_id"]] = copy.deepcopy(record)
        return True

    async def unfinished_erasures(self) -> list[str]:
        return [i for i, r in self.erasures.items() if r.get("completed_at") is None]

    async def finish_erasure(self, person_id: str, at: datetime, counts: dict[str, int],
                             events: Sequence[IntegrationEvent]) -> None:
        record = self.erasures.get(person_id)
        if record is not None and record.get("completed_at") is None:
            record |= {"completed_at": at, "erased": dict(counts)}
            self.stage("erasures", person_id, events)

    async def delete_person(self, person_id: str) -> int:
        return int(self._enrollment.people.pop(person_id, None) is not None)

    async def delete_interests(self, person_id: str) -> int:
        doomed = [i for i, doc in self._enrollment.interest_docs.items() if doc["person_id"] == person_id]
        for interest_id in doomed:
            del self._enrollment.interest_docs[interest_id]
        return len(doomed)

    async def application_history(self, application_id: str) -> list[Document] | None:
        application = self._enrollment.application_docs.get(application_id)
        return None if application is None else copy.deepcopy(application.get("history", []))

    async def anonymise_application(self, application_id: str, fields: Document, history: list[Document]) -> None:
        application = self._enrollment.application_docs.get(application_id)
        if application is not None:
            application |= copy.deepcopy(fields) | {"history": copy.deepcopy(history)}

    async def completed_cohorts(self) -> list[Document]:
        return [{"_id": i, "audit": copy.deepcopy(c.get("audit", []))}
                for i, c in self._enrollment.cohort_docs.items() if c.get("manual_status") == "completed"]

    async def applications_to_anonymise(self, cohort_ids: Sequence[str]) -> list[Document]:
        return [{"_id": a["_id"], "history": copy.deepcopy(a.get("history", []))}
                for a in self._enrollment.application_docs.values()
                if a["cohort_id"] in cohort_ids and a.get("anonymised_at") is None]
