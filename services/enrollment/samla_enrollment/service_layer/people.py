"""PeopleDirectory: who a person is, and the only place contact details are kept.

Events and other services know people by id. Whoever needs to reach a person (the
notifications service) asks `GET /people/{id}/contact` at the moment it writes, so a
corrected address or phone number takes effect at once and no copies pile up elsewhere.

Two ways a person comes to be known:

- **Signed in.** The person is the one the token names (`Grant.person`: the `person_id`
  claim, else `sub`, the one rule in samla_shared.security). Their record is created on
  first signed-in use and kept current from the token's `name` and `email` claims, which
  the identity provider vouches for.
- **Named in a form** (an anonymous application, a manager named in an application, a
  coordinator registering a paper form). The e-mail address finds the person through the
  address map (`emails`, one document per address keyed by it). A form never changes a
  stored person's details: a difference is kept as a pending change, which only that
  person can confirm, signed in.

When someone signs in with a verified address that a form registered before, that record
is the same human: it is linked to the signed-in person once (`claimed_by`), its
applications become theirs to read and decide, and the address now maps to the
signed-in person, so later forms naming it name them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.security.principal import Principal
from samla_enrollment.adapters.ports import PeopleRepository
from samla_enrollment.domain.ids import new_id
from samla_enrollment.domain.errors import NotFound, RuleViolation
from samla_enrollment.domain.identity import (
    Contact,
    claim_changes,
    own_changes,
    proposed_change,
    settled_changes,
)

__all__ = ["Contact", "PeopleDirectory", "SignedIn"]  # Contact: the domain's, named here for its callers


@dataclass(frozen=True)
class SignedIn:
    """The caller as a person: their own id and the form-registered records linked to them."""

    person: dict[str, Any]
    person_ids: frozenset[str]

    @property
    def id(self) -> str:
        return self.person["_id"]


class PeopleDirectory:
    """Finds or registers people by e-mail address, and people who sign in by their token.

    The address → person map changes only when a signed-in person claims an address, which
    happens in this process (the only writer of people), so it is remembered in memory.
    Unknown addresses are inserted straight away and only those the database already knew
    are looked up, by `_id`: FerretDB scans a collection for any query that is not by `_id`.
    """

    def __init__(self, store: PeopleRepository, locks: DocumentLocks, *, remembered: int = 100_000) -> None:
        self._store = store
        self._locks = locks
        self._known: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._signed_in: OrderedDict[str, tuple[tuple[str | None, str | None], SignedIn]] = OrderedDict()
        self._remembered = remembered

    # -- people named in forms -----------------------------------------------------------

    async def identify(self, contacts: Sequence[Contact]) -> list[str]:
        """The person id of each contact, in order: new addresses are registered; a known person's record is
        never changed by a form, a difference is kept as a change waiting for that person to confirm."""
        latest = {c.email: c for c in contacts}  # the same person twice: the last form is the freshest
        unknown = [email for email in latest if email not in self._known]
        if unknown:
            await self._register(unknown, latest)
        for email, contact in latest.items():
            person = self._known[email]
            changes = proposed_change(contact, person)
            if changes is not None:
                proposal = changes | {"proposed_at": datetime.now(UTC)}
                async with self._locks.hold("people", person["_id"]):
                    await self._store.update_person(person["_id"], {"pending_change": proposal})
                self._known[email] = person | {"pending_change": proposal}
        ids = [self._known[c.email]["_id"] for c in contacts]
        self._trim()
        return ids

    async def _register(self, emails: list[str], latest: Mapping[str, Contact]) -> None:
        now = datetime.now(UTC)
        newcomers = {email: {"_id": new_id(), "email": email, "name": latest[email].name,
                             "phone": latest[email].phone, "language": latest[email].language,
                             "created_at": now, "updated_at": now} for email in emails}
        # The address map first: its `_id` is the address, so a concurrent registration of the
        # same address loses here, before any person document exists for it.
        taken = await self._store.map_addresses([(email, p["_id"]) for email, p in newcomers.items()])
        fresh = [p for email, p in newcomers.items() if email not in taken]
        await self._store.add_people(fresh)
        for person in fresh:
            self._remember(person)
        if taken:
            found = await self._store.people_by_id(taken.values())
            for email, person_id in taken.items():
                person = found.get(person_id)
                if person is None:  # a registration stopped between the map and the person: finish it
                    person = newcomers[email] | {"_id": person_id}
                    await self._store.add_people([person])
                self._remember(person | {"email": email})

    def _remember(self, person: dict[str, Any]) -> None:
        self._known[person["email"]] = person
        self._known.move_to_end(person["email"])

    def _trim(self) -> None:
        while len(self._known) > self._remembered:
            self._known.popitem(last=False)
        while len(self._signed_in) > self._remembered:
            self._signed_in.popitem(last=False)

    async def forget(self, person: Mapping[str, Any]) -> None:
        """Drop an erased person: from memory and from the address map, so the address is registered anew."""
        self._signed_in.pop(person["_id"], None)
        if person.get("email"):
            self._known.pop(person["email"], None)
            await self._store.unmap_address(person["email"], person["_id"])

    # -- people who sign in ------------------------------------------------------------------

    async def signed_in(self, principal: Principal, person_id: str) -> SignedIn:
        """The caller's person record, created or brought up to date from the token's claims (once per change)."""
        claims = (principal.name, principal.email)
        remembered = self._signed_in.get(person_id)
        if remembered is not None and remembered[0] == claims:
            return remembered[1]
        async with self._locks.hold("people", person_id):
            person = await self._store.person(person_id)
            now = datetime.now(UTC)
            if person is None:
                person = {"_id": person_id, "name": principal.name, "email": principal.email, "phone": None,
                          "language": None, "signed_in": True, "linked_person_ids": [], "created_at": now,
                          "updated_at": now}
                await self._store.add_people([person])
            else:
                changes = claim_changes(person, name=principal.name, email=principal.email)
                if changes:
                    await self._store.update_person(person_id, changes)
                    person = person | changes
        if principal.email:
            person = await self._claim_address(person, principal.email)
        found = SignedIn(person, frozenset([person_id, *person.get("linked_person_ids", [])]))
        self._signed_in[person_id] = (claims, found)
        self._signed_in.move_to_end(person_id)
        self._trim()
        return found

    async def _claim_address(self, person: dict[str, Any], email: str) -> dict[str, Any]:
        """Map the verified address to the signed-in person, linking a record a form registered for it."""
        holder_id = await self._store.address_holder(email)
        if holder_id == person["_id"]:
            return person
        if holder_id is None:
            taken = await self._store.map_addresses([(email, person["_id"])])
            if not taken:
                self._remember(person)
                return person
            holder_id = taken[email]
        holder = await self._store.person(holder_id)
        if holder is not None and (holder.get("signed_in") or holder.get("claimed_by")):
            return person  # another sign-in holds the address: two accounts, nothing to link
        async with self._locks.hold("people", holder_id):
            if holder is not None:
                await self._store.update_person(holder_id, {"claimed_by": person["_id"]})
        linked = sorted({*person.get("linked_person_ids", []), holder_id})
        async with self._locks.hold("people", person["_id"]):
            await self._store.update_person(person["_id"], {"linked_person_ids": linked})
        await self._store.remap_address(email, person["_id"])
        person = person | {"linked_person_ids": linked}
        self._remember(person | {"email": email})
        return person

    async def update_own(self, me: SignedIn, details: Mapping[str, Any]) -> SignedIn:
        """The signed-in person's own phone or language, as they give it on their own form: theirs to change."""
        changes = own_changes(me.person, details)
        if not changes:
            return me
        async with self._locks.hold("people", me.id):
            await self._store.update_person(me.id, changes)
        updated = SignedIn(me.person | changes, me.person_ids)
        remembered = self._signed_in.get(me.id)
        if remembered is not None:
            self._signed_in[me.id] = (remembered[0], updated)
        if updated.person.get("email") in self._known and self._known[updated.person["email"]]["_id"] == me.id:
            self._known[updated.person["email"]] = self._known[updated.person["email"]] | changes
        return updated

    async def require_address(self, me: SignedIn) -> str:
        if not me.person.get("email"):
            raise RuleViolation("your sign-in carries no e-mail address; sign in with an identity that has one")
        return me.person["email"]

    # -- pending changes -------------------------------------------------------------------

    async def pending_changes(self, me: SignedIn) -> list[dict[str, Any]]:
        found = await self._store.people_by_id(me.person_ids)
        return [{"person_id": pid, **found[pid]["pending_change"]} for pid in sorted(found)
                if found[pid].get("pending_change")]

    async def settle_pending(self, me: SignedIn, *, confirm: bool) -> int:
        """Apply (or drop) the changes forms proposed for the caller's records; returns how many were settled."""
        settled = 0
        for pid in sorted(me.person_ids):
            async with self._locks.hold("people", pid):
                person = await self._store.person(pid)
                if person is None or not person.get("pending_change"):
                    continue
                changes = settled_changes(person["pending_change"], confirm=confirm)
                await self._store.update_person(pid, changes | {"pending_change": None})
                settled += 1
                if person.get("email") in self._known:
                    self._known[person["email"]] = self._known[person["email"]] | changes | {"pending_change": None}
        self._signed_in.pop(me.id, None)
        return settled

    async def contact(self, person_id: str) -> dict[str, Any]:
        person = await self._store.person(person_id)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person

    async def names(self, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self._store.people_by_id(person_ids)
