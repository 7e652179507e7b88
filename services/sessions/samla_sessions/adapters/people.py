"""Participants' names for the documents that print them, read from enrollment when printed.

Names and contact details live only in enrollment (events carry ids). Sessions asks
`GET {enrollment_url}/people/{id}/contact` with a client-credentials token at the moment a
coordinator prints a sheet or a certificate, the way notifications reads contacts for a
mail, so a corrected name is right on the next print and no copy of it is kept here.
The alternative, enrollment printing from a read model of sessions' events, would have
put attendance rules and hours into enrollment as well; this way each service keeps its
own facts and the documents live beside the attendance they describe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from samla_shared.http.contact_client import ContactsUnavailable, EnrollmentContacts
from samla_shared.security.client_credentials import ClientCredentials

# Enrollment could not answer: the document is not printed with ids instead of names (503).
PeopleUnavailable = ContactsUnavailable


class HttpPeopleDirectory:
    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0,
                 concurrency: int = 8) -> None:
        self._contacts = EnrollmentContacts(base_url, credentials=credentials, timeout=timeout)
        # A cohort is tens of people; a few look-ups at a time keep enrollment unhurried.
        self._gate = asyncio.Semaphore(concurrency)

    async def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(person_ids))
        found = await asyncio.gather(*(self._name(i) for i in ids))
        return {i: name for i, name in zip(ids, found, strict=True) if name}

    async def _name(self, person_id: str) -> str | None:
        async with self._gate:
            contact = await self._contacts.contact(person_id)
        return contact.get("name") if contact else None

    async def close(self) -> None:
        await self._contacts.close()
