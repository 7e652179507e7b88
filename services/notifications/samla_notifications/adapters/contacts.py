"""Where contact details come from: enrollment, asked at send time, never copied from events.

Notifications keeps no address book. Mails ask enrollment for the person's current name,
e-mail address and language (once per consumed batch of events for everyone the batch
names, see service_layer.mail), so a corrected address takes effect at the next mail and
nothing personal piles up here; the delivery log keeps only the address a mail was sent to
(see docs on privacy in the service README).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Collection
from typing import Any

import httpx

from samla_shared.http.contact_client import ContactsUnavailable, EnrollmentContacts
from samla_shared.security.client_credentials import ClientCredentials


@dataclass(frozen=True)
class Contact:
    person_id: str
    name: str | None
    email: str | None
    language: str | None = None


# Enrollment could not answer: the consumer waits and retries (a ConnectionError).
ContactDirectoryUnavailable = ContactsUnavailable


class BatchLookUpUnsupported(Exception):
    """The directory (an enrollment older than `POST /people/contacts`) answers one person at a time."""


class HttpContactDirectory:
    """The `ports.ContactDirectory` of a running system. Reads enrollment's contact endpoints (samla_shared.http.contact_client)."""

    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0) -> None:
        self._contacts = EnrollmentContacts(base_url, credentials=credentials, timeout=timeout)

    async def contact(self, person_id: str) -> Contact | None:
        body = await self._contacts.contact(person_id)
        if body is None:
            return None
        return _contact(person_id, body)

    async def contacts(self, person_ids: Collection[str]) -> dict[str, Contact | None]:
        try:
            found = await self._contacts.contacts(list(person_ids))
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code in (404, 405):
                raise BatchLookUpUnsupported(f"enrollment answered {exc.response.status_code}") from exc
            raise
        return {person_id: _contact(person_id, found[person_id]) if person_id in found else None
                for person_id in person_ids}

    async def close(self) -> None:
        await self._contacts.close()


def _contact(person_id: str, body: dict[str, Any]) -> Contact:
    return Contact(person_id=person_id, name=body.get("name"), email=body.get("email"), language=body.get("language"))
