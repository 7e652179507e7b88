"""Where contact details come from: enrollment, asked at send time, never copied from events.

Notifications keeps no address book. Each mail asks enrollment for the person's current
name, e-mail address and language, so a corrected address takes effect at the next mail
and nothing personal piles up here; the delivery log keeps only the address a mail was
sent to (see docs on privacy in the service README).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable


@dataclass(frozen=True)
class Contact:
    person_id: str
    name: str | None
    email: str | None
    language: str | None = None


class ContactDirectoryUnavailable(ConnectionError):
    """Enrollment could not answer. A ConnectionError, so the consumer waits and retries
    instead of dead-lettering a perfectly good event."""


class ContactDirectory(Protocol):
    async def contact(self, person_id: str) -> Contact | None:
        """The person's contact details, or None when the directory does not know them."""


class HttpContactDirectory:
    """Reads `GET {enrollment_url}/people/{person_id}/contact` with a client-credentials token."""

    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0) -> None:
        self._credentials = credentials
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        # The look-up joins the event's trace, and enrollment's answer continues it (traceparent).
        HTTPXClientInstrumentor.instrument_client(self._client)

    async def contact(self, person_id: str) -> Contact | None:
        try:
            token = await self._credentials.token()
            response = await self._client.get(f"/people/{person_id}/contact",
                                              headers={"Authorization": f"Bearer {token}"})
        except CredentialsUnavailable as exc:
            raise ContactDirectoryUnavailable(str(exc)) from exc
        except httpx.TransportError as exc:
            raise ContactDirectoryUnavailable(f"enrollment's contact directory is unreachable: {exc}") from exc
        if response.status_code == 404:
            return None
        if response.status_code == 401:
            self._credentials.forget()  # the next attempt asks for a fresh token
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            # Our own credentials or enrollment's health: not the event's fault, so wait.
            raise ContactDirectoryUnavailable(f"enrollment answered {response.status_code} for a contact look-up")
        response.raise_for_status()
        body = response.json()
        return Contact(person_id=person_id, name=body.get("name"), email=body.get("email"),
                       language=body.get("language"))

    async def close(self) -> None:
        await self._client.aclose()
        await self._credentials.close()
