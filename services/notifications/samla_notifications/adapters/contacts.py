"""Where contact details come from: enrollment, asked at send time, never copied from events.

Notifications keeps no address book. Each mail asks enrollment for the person's current
name, e-mail address and language, so a corrected address takes effect at the next mail
and nothing personal piles up here; the delivery log keeps only the address a mail was
sent to (see docs on privacy in the service README).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


class ContactDirectory(Protocol):
    async def contact(self, person_id: str) -> Contact | None:
        """The person's contact details, or None when the directory does not know them."""


class HttpContactDirectory:
    """Reads enrollment's contact endpoint (samla_shared.http.contact_client) for each mail."""

    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0) -> None:
        self._contacts = EnrollmentContacts(base_url, credentials=credentials, timeout=timeout)

    async def contact(self, person_id: str) -> Contact | None:
        body = await self._contacts.contact(person_id)
        if body is None:
            return None
        return Contact(person_id=person_id, name=body.get("name"), email=body.get("email"),
                       language=body.get("language"))

    async def close(self) -> None:
        await self._contacts.close()
