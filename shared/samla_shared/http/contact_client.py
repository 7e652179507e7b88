"""The one client of enrollment's contact endpoint, for services that need a person's details.

Names and contact details live only in enrollment; events carry ids. A service that must
show or use them (notifications for a mail, sessions for a printed sheet) asks
`GET {enrollment_url}/people/{person_id}/contact` (or `POST /people/contacts` for many at
once) at the moment it needs them, with a short-lived client-credentials token whose only
role is `contact_reader`, and keeps no copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable


# Enrollment's limit for one `POST /people/contacts`; a longer list is asked in parts.
CONTACTS_PER_REQUEST = 500


class ContactsUnavailable(ConnectionError):
    """Enrollment could not answer. A ConnectionError, so a consumer waits and retries instead
    of dead-lettering a good event, and a request answers 503 instead of printing ids."""


class EnrollmentContacts:
    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0) -> None:
        self._credentials = credentials
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        # The look-up joins the caller's trace, and enrollment's answer continues it (traceparent).
        HTTPXClientInstrumentor.instrument_client(self._client)

    async def contact(self, person_id: str) -> dict[str, Any] | None:
        """The person's `name`, `email`, `phone` and `language`, or None when enrollment knows nobody by that id."""
        response = await self._ask("GET", f"/people/{person_id}/contact")
        if response.status_code == 404:
            return None
        self._refuse_unless_answered(response)
        response.raise_for_status()
        return response.json()

    async def contacts(self, person_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Many people's details in one request (`POST /people/contacts`), by person id; unknown ids are absent."""
        found: dict[str, dict[str, Any]] = {}
        wanted = list(dict.fromkeys(person_ids))
        for start in range(0, len(wanted), CONTACTS_PER_REQUEST):
            response = await self._ask("POST", "/people/contacts",
                                       json={"person_ids": wanted[start:start + CONTACTS_PER_REQUEST]})
            self._refuse_unless_answered(response)
            response.raise_for_status()
            found |= {contact["person_id"]: contact for contact in response.json()["contacts"]}
        return found

    async def _ask(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            token = await self._credentials.token()
            return await self._client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        except CredentialsUnavailable as exc:
            raise ContactsUnavailable(str(exc)) from exc
        except httpx.TransportError as exc:
            raise ContactsUnavailable(f"enrollment's contact directory is unreachable: {exc}") from exc

    def _refuse_unless_answered(self, response: httpx.Response) -> None:
        if response.status_code == 401:
            self._credentials.forget()  # the next attempt asks for a fresh token
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            # Our own credentials or enrollment's health, not the person asked for: wait.
            raise ContactsUnavailable(f"enrollment answered {response.status_code} for a contact look-up")

    async def close(self) -> None:
        await self._client.aclose()
        await self._credentials.close()
