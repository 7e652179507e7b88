"""In-memory stores implementing sessions' ports (adapters/ports.py), for the use-case tests.

They keep what the use cases rely on from the MongoDB stores: a second session or completion
with the same id is refused, a session saved from a stale version is refused, every stored
object is a copy (changing what a read returned changes nothing until it is saved), and each
write's events are staged together with it in that document's outbox.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.persistence.document_locks import DocumentLocks
from samla_sessions.adapters.ports import completion_id, roster_entry_id
from samla_sessions.adapters.repository import KnownFacts, completion_record, roster_entry, session_document
from samla_sessions.bootstrap import Sessions, use_cases
from samla_sessions.domain.completion import CompletionRecord
from samla_sessions.domain.roster import RosterEntry, RosterStatus
from samla_sessions.domain.session import Session


class FakeClock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


class FakeRosterStore(KnownFacts):
    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.aggregates: dict[str, dict[str, dict[str, Any]]] = {}

    async def enter(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        key = roster_entry_id(cohort_id, application_id)
        if key in self.entries:
            return False
        self.entries[key] = {"_id": key, **copy.deepcopy(fields), "cohort_id": cohort_id,
                             "application_id": application_id, "cohort_sequence": sequence}
        return True

    async def advance(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        entry = self.entries.get(roster_entry_id(cohort_id, application_id))
        if entry is None or entry["cohort_sequence"] >= sequence:
            return False
        entry.update(copy.deepcopy(fields), cohort_sequence=sequence)
        return True

    async def members(self, cohort_id: str, status: str | None) -> list[RosterEntry]:
        found = [e for e in self.entries.values()
                 if e["cohort_id"] == cohort_id and (not status or e["status"] == status)]
        # As MongoDB sorts: entries without an enrolment time first.
        found.sort(key=lambda e: (e.get("enrolled_at") is not None, e.get("enrolled_at") or datetime.min))
        return [roster_entry(e) for e in found]

    async def enrolled(self, cohort_id: str) -> dict[str, RosterEntry]:
        return {m.participant_id: m for m in await self.members(cohort_id, RosterStatus.ENROLLED.value)}

    async def cohorts_of(self, participant_id: str) -> list[str]:
        return sorted({e["cohort_id"] for e in self.entries.values()
                       if e["participant_id"] == participant_id and e["status"] == RosterStatus.ENROLLED.value})

    async def ever_rostered(self, participant_id: str) -> bool:
        return any(e["participant_id"] == participant_id for e in self.entries.values())

    async def remember(self, collection: str, document_id: str, fields: dict[str, Any], version_at: datetime) -> None:
        known = self.aggregates.setdefault(collection, {})
        current = known.get(document_id)
        if current is not None and current["as_of"] >= version_at:
            return  # a newer state is already known
        known[document_id] = {**(current or {}), "_id": document_id, **copy.deepcopy(fields), "as_of": version_at}

    async def known(self, collection: str, document_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.aggregates.get(collection, {}).get(document_id))


@dataclass
class _StoredSession:
    session: Session
    outbox: list[IntegrationEvent] = field(default_factory=list)
    completion_due: bool = False


class FakeSessionStore:
    def __init__(self) -> None:
        self.stored: dict[str, _StoredSession] = {}

    def staged(self, session_id: str) -> list[IntegrationEvent]:
        """The events staged with the session, in the order they were written."""
        return list(self.stored[session_id].outbox)

    async def add(self, session: Session, *events: IntegrationEvent, created_at: datetime) -> bool:
        if session.id in self.stored:
            return False
        self.stored[session.id] = _StoredSession(copy.deepcopy(session), list(events))
        return True

    async def get(self, session_id: str) -> Session | None:
        stored = self.stored.get(session_id)
        return copy.deepcopy(stored.session) if stored else None

    async def of_cohort(self, cohort_id: str) -> list[Session]:
        return await self.of_cohorts([cohort_id])

    async def of_cohorts(self, cohort_ids: list[str]) -> list[Session]:
        found = [copy.deepcopy(s.session) for s in self.stored.values() if s.session.cohort_id in cohort_ids]
        return sorted(found, key=lambda s: s.starts_at)

    async def save(self, session: Session, *events: IntegrationEvent, updated_at: datetime,
                   completion_due: bool = False) -> bool:
        stored = self.stored.get(session.id)
        if stored is None or stored.session.version != session.version:
            return False
        session.version += 1
        stored.session = copy.deepcopy(session)
        stored.outbox.extend(events)
        stored.completion_due = stored.completion_due or completion_due
        return True

    async def cohorts_with_completion_due(self) -> list[str]:
        return sorted({s.session.cohort_id for s in self.stored.values() if s.completion_due})

    async def completion_due_in(self, cohort_id: str) -> set[str]:
        return {s.session.id for s in self.stored.values() if s.session.cohort_id == cohort_id and s.completion_due}

    async def clear_completion_due(self, session_id: str, version: int) -> None:
        stored = self.stored.get(session_id)
        if stored is not None and stored.session.version == version:
            stored.completion_due = False


class FakeCompletionStore:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.outbox: list[IntegrationEvent] = []  # every completion's staged events, in order

    async def complete(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                       event: IntegrationEvent) -> bool:
        key = completion_id(cohort_id, participant_id)
        record = self.records.get(key)
        if record is not None and record["status"] != "revoked":
            return False
        self.records[key] = {**(record or {}), "_id": key, "cohort_id": cohort_id, "participant_id": participant_id,
                             **copy.deepcopy(fields), "status": "completed"}
        self.outbox.append(event)
        return True

    async def revoke(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                     event: IntegrationEvent) -> bool:
        record = self.records.get(completion_id(cohort_id, participant_id))
        if record is None or record["status"] != "completed":
            return False
        record.update(copy.deepcopy(fields), status="revoked")
        self.outbox.append(event)
        return True

    async def completed(self, cohort_id: str, participant_id: str) -> bool:
        record = self.records.get(completion_id(cohort_id, participant_id))
        return record is not None and record["status"] == "completed"

    async def of_cohort(self, cohort_id: str) -> dict[str, CompletionRecord]:
        return {r["participant_id"]: completion_record(r) for r in self.records.values() if r["cohort_id"] == cohort_id}


class FakeCalendarFeedStore:
    def __init__(self) -> None:
        self.owners: dict[str, dict[str, Any]] = {}

    async def replace(self, owner: str, secret: str, subject: dict[str, Any], issued_at: datetime, *,
                      person_id: str | None) -> None:
        self.owners[owner] = {"_id": owner, "secret": secret, "issued_at": issued_at, "person_id": person_id,
                              **subject}

    async def resolve(self, secret: str) -> dict[str, Any] | None:
        found = next((o for o in self.owners.values() if o["secret"] == secret), None)
        return {k: v for k, v in found.items() if k != "secret"} if found else None

    async def of_person(self, person_id: str) -> list[dict[str, Any]]:
        return [{k: v for k, v in o.items() if k != "secret"} for o in self.owners.values()
                if o["person_id"] == person_id]

    async def revoke_all_of(self, person_id: str) -> int:
        mine = [owner for owner, o in self.owners.items() if o["person_id"] == person_id]
        for owner in mine:
            del self.owners[owner]
        return len(mine)


class FakePersonalDataStore:
    """Where the other fakes keep a person's id, read and renamed as PersonalDataStore does in MongoDB."""

    def __init__(self, roster: FakeRosterStore, sessions: FakeSessionStore, completions: FakeCompletionStore) -> None:
        self.roster = roster
        self.sessions = sessions
        self.completions = completions

    async def roster_entries(self, person_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(e) for e in self.roster.entries.values() if e["participant_id"] == person_id]

    async def sessions_with(self, person_id: str) -> list[dict[str, Any]]:
        found = []
        for stored in sorted(self.sessions.stored.values(), key=lambda s: s.session.starts_at):
            document = session_document(stored.session)
            if any(person_id in (a["participant_id"], a["recorded_by"]) for a in document["attendance"]):
                found.append({k: document[k] for k in ("_id", "cohort_id", "kind", "title", "starts_at", "attendance")})
        return found

    async def completions_of(self, person_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for r in self.completions.records.values() if r["participant_id"] == person_id]

    async def rename_roster_entry(self, entry_id: str, person_id: str, pseudonym: str) -> None:
        entry = self.roster.entries.get(entry_id)
        if entry is not None and entry["participant_id"] == person_id:
            entry.update(participant_id=pseudonym, erased=True)

    async def move_completion(self, cohort_id: str, person_id: str, pseudonym: str) -> bool:
        old = self.completions.records.pop(completion_id(cohort_id, person_id), None)
        if old is None:
            return False
        key = completion_id(cohort_id, pseudonym)
        self.completions.records.setdefault(key, old | {"_id": key, "participant_id": pseudonym, "erased": True})
        return True


class FakePeople:
    def __init__(self, names: dict[str, str] | None = None) -> None:
        self.known = names or {}

    async def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        return {p: self.known[p] for p in person_ids if p in self.known}


class FakeToolbox:
    async def method_names(self, method_ids: Iterable[str], language: str) -> dict[str, str]:
        return {}


@dataclass
class FakeWorld:
    """Sessions' use cases wired by bootstrap over the in-memory stores, with the stores at hand."""

    wired: Sessions
    roster: FakeRosterStore
    sessions: FakeSessionStore
    completions: FakeCompletionStore
    feeds: FakeCalendarFeedStore
    clock: FakeClock
    relay_woken: list[int]


def fake_world(now: datetime = datetime(2027, 1, 4, 7, tzinfo=UTC)) -> FakeWorld:
    roster, sessions, completions, clock = FakeRosterStore(), FakeSessionStore(), FakeCompletionStore(), FakeClock(now)
    feeds = FakeCalendarFeedStore()
    woken: list[int] = []
    wired = use_cases(roster=roster, sessions=sessions, completions=completions, feeds=feeds,
                      personal_data=FakePersonalDataStore(roster, sessions, completions), people=FakePeople(),
                      toolbox=FakeToolbox(),
                      locks=DocumentLocks(), wake_relay=lambda: woken.append(1), clock=clock)
    return FakeWorld(wired, roster, sessions, completions, feeds, clock, woken)
