"""Who a form names, and what a form may change about them.

A form (an anonymous public application, a manager named in an application, a paper form a
coordinator registers) names people by e-mail address. It never overwrites a known person's
details: what it says differently is kept as a pending change, which only that person can
confirm, signed in. Only the identity provider's claims (name, address) and the person
themself change their record directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from samla_enrollment.domain.errors import Conflict, RuleViolation

# What confirming a pending change may change (the address is the identity; it changes by signing in).
CHANGEABLE = ("name", "phone", "language")
# What a signed-in person may change on their own form.
OWN_DETAILS = ("phone", "language")


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


def proposed_change(contact: Contact, person: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a form naming a known person proposes, kept aside for them to confirm; None when it says nothing new
    (the same as the record, or the same as the change already waiting)."""
    changes = contact.changes_from(person)
    pending = person.get("pending_change") or {}
    if changes and {k: pending.get(k) for k in changes} != changes:
        return changes
    return None


def claim_changes(person: Mapping[str, Any], *, name: str | None, email: str | None) -> dict[str, Any]:
    """What the token's claims (vouched for by the identity provider) change on the signed-in person's record."""
    given = {"name": name, "email": email}
    changes = {k: v for k, v in given.items() if v is not None and person.get(k) != v}
    if not person.get("signed_in"):
        changes["signed_in"] = True
    return changes


def own_changes(person: Mapping[str, Any], details: Mapping[str, Any]) -> dict[str, Any]:
    """The phone or language the signed-in person gives on their own form: theirs to change at once."""
    return {k: v for k, v in details.items() if k in OWN_DETAILS and v is not None and person.get(k) != v}


def as_signed_in(participant: Mapping[str, Any], person: Mapping[str, Any], email: str) -> dict[str, Any]:
    """A signed-in applicant applies as the person the token names, whatever the form says: their name on record
    (else their address) and their verified address replace the form's."""
    return dict(participant) | {"name": person.get("name") or email, "email": email}


def settled_changes(pending: Mapping[str, Any], *, confirm: bool) -> dict[str, Any]:
    """What confirming (or dropping) a pending change writes to the record, besides clearing it."""
    return {k: v for k, v in pending.items() if k in CHANGEABLE} if confirm else {}


# -- the anonymous public form --------------------------------------------------------------

def takes_anonymous_applications(programme: Mapping[str, Any]) -> bool:
    """Only a programme that says so takes applications from callers who are not signed in."""
    return bool(programme.get("accepts_anonymous_applications"))


def require_named(participant: Mapping[str, Any]) -> None:
    """A form for someone else must say who: their name and address."""
    if not (participant.get("name") and participant.get("email")):
        raise RuleViolation("the participant's name and e-mail address are required on this form")


def hidden_from_anonymous(refusal: Conflict) -> bool:
    """A duplicate says nothing to an anonymous caller (they may not be that person): it answers as a received
    application would. Any other refusal (closed cohort, archived programme) is about the cohort and is told."""
    return "application_id" in refusal.extensions
