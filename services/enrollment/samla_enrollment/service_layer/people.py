"""PeopleDirectory: one person per e-mail address, and the only place contact details are kept.

Events and other services know people by id. Whoever needs to reach a person (the
notifications service) asks `GET /people/{id}/contact` at the moment it writes, so a
corrected address or phone number takes effect at once and no copies pile up elsewhere.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.adapters.repository import EnrollmentStore, new_id
from samla_enrollment.domain.errors import NotFound


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, form: Mapping[str, Any]) -> Contact:
        return cls(name=form["name"], email=form["email"].lower(), phone=form.get("phone"),
                   language=form.get("language"))

    def changes_from(self, person: Mapping[str, Any]) -> dict[str, Any]:
        """What this contact says differently from what is on record (absent values change nothing)."""
        given = {"name": self.name, "phone": self.phone, "language": self.language}
        return {k: v for k, v in given.items() if v is not None and person.get(k) != v}


class PeopleDirectory:
    """Finds or registers people by e-mail address.

    The address → person mapping never changes once made (a unique index guards it), so
    it is remembered in memory; together with this process being the only writer of
    people, the remembered contact details stay current. Unknown addresses are inserted
    straight away and only those the database already knew are looked up: FerretDB scans
    a collection for any query that is not by `_id`, so looking first would cost a scan
    of everyone for every batch of applicants.
    """

    def __init__(self, store: EnrollmentStore, locks: DocumentLocks, *, remembered: int = 100_000) -> None:
        self._store = store
        self._locks = locks
        self._known: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._remembered = remembered

    async def identify(self, contacts: Sequence[Contact]) -> list[str]:
        """The person id of each contact, in order: new addresses are registered, changed details refreshed."""
        latest = {c.email: c for c in contacts}  # the same person twice: the last form is the freshest
        unknown = [email for email in latest if email not in self._known]
        if unknown:
            await self._register(unknown, latest)
        for email, contact in latest.items():
            person = self._known[email]
            if changes := contact.changes_from(person):
                async with self._locks.hold("people", person["_id"]):
                    await self._store.update_person(person["_id"], changes)
                self._known[email] = person | changes
        ids = [self._known[c.email]["_id"] for c in contacts]
        while len(self._known) > self._remembered:
            self._known.popitem(last=False)
        return ids

    async def _register(self, emails: list[str], latest: Mapping[str, Contact]) -> None:
        now = datetime.now(UTC)
        newcomers = [{"_id": new_id(), "email": email, "name": latest[email].name, "phone": latest[email].phone,
                      "language": latest[email].language, "created_at": now, "updated_at": now} for email in emails]
        known_already = await self._store.add_people(newcomers)
        for i, person in enumerate(newcomers):
            if i not in known_already:
                self._remember(person)
        if known_already:
            for person in await self._store.people_by_email(newcomers[i]["email"] for i in known_already):
                self._remember(person)

    def _remember(self, person: dict[str, Any]) -> None:
        self._known[person["email"]] = person
        self._known.move_to_end(person["email"])

    def forget(self, email: str) -> None:
        """Drop an erased person from memory, so the address is registered anew if it comes back."""
        self._known.pop(email, None)

    async def contact(self, person_id: str) -> dict[str, Any]:
        person = await self._store.person(person_id)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person
