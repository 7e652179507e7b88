"""The one client of enrollment's contact endpoint, for services that need a person's details.

Names and contact details live only in enrollment; events carry ids. A service that must
show or use them (notifications for a mail, sessions for a printed sheet) asks
`GET {enrollment_url}/people/{person_id}/contact` at the moment it needs them, with a
short-lived client-credentials token whose only role is `contact_reader`, and keeps no copy.
"""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable


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
        try:
            token = await self._credentials.token()
            response = await self._client.get(f"/people/{person_id}/contact",
                                              headers={"Authorization": f"Bearer {token}"})
        except CredentialsUnavailable as exc:
            raise ContactsUnavailable(str(exc)) from exc
        except httpx.TransportError as exc:
            raise ContactsUnavailable(f"enrollment's contact directory is unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code == 401:
            self._credentials.forget()  # the next attempt asks for a fresh token
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            # Our own credentials or enrollment's health, not the person asked for: wait.
            raise ContactsUnavailable(f"enrollment answered {response.status_code} for a contact look-up")
        response.raise_for_status()
        return response.json()

    async def close(self) -> None:
        await self._client.aclose()
        await self._credentials.close()
