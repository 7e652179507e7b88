"""The curriculum's methods by name, for certificates, read from measures' toolbox when printed.

Measures owns the toolbox (its methods' names in nb/da/en); events carry method ids only.
The toolbox is a catalogue, not personal data, so sessions may simply ask
`GET {measures_url}/toolbox/{id}` with a client-credentials token whose only role there is
`catalogue_reader` — no copy of the catalogue to keep in step. A programme names a handful of
methods, so one look-up each, a few at a time. If measures cannot answer, the certificate
is still printed, with the method's id as readable words (a certificate the participant
needs today matters more than the method's polished name).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from urllib.parse import quote

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable

log = logging.getLogger(__name__)
# A Danish reader reads Norwegian better than English: the catalogue is written in nb and en.
FALLBACK_LANGUAGES = {"nb": ("nb", "da", "en"), "da": ("da", "nb", "en"), "en": ("en", "nb", "da")}


class HttpToolbox:
    def __init__(self, base_url: str, *, credentials: ClientCredentials, timeout: float = 5.0,
                 concurrency: int = 4) -> None:
        self._credentials = credentials
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        HTTPXClientInstrumentor.instrument_client(self._client)
        self._gate = asyncio.Semaphore(concurrency)

    async def method_names(self, method_ids: Iterable[str], language: str) -> dict[str, str]:
        ids = sorted(set(method_ids))
        found = await asyncio.gather(*(self._name(i, language) for i in ids))
        return {i: name for i, name in zip(ids, found, strict=True) if name}

    async def _name(self, method_id: str, language: str) -> str | None:
        async with self._gate:
            try:
                token = await self._credentials.token()
                response = await self._client.get(f"/toolbox/{quote(method_id, safe='')}",
                                                  headers={"Authorization": f"Bearer {token}"})
            except (CredentialsUnavailable, httpx.TransportError) as exc:
                log.warning("toolbox unreachable for method %s, printing its id: %s", method_id, exc)
                return None
        if response.status_code == 401:
            self._credentials.forget()  # the next print asks for a fresh token
        if response.status_code != 200:
            if response.status_code != 404:
                log.warning("toolbox answered %s for method %s, printing its id", response.status_code, method_id)
            return None
        names = response.json().get("name") or {}
        return next((names[lang] for lang in FALLBACK_LANGUAGES.get(language, ("nb", "da", "en"))
                     if names.get(lang)), None)

    async def close(self) -> None:
        await self._client.aclose()
        await self._credentials.close()
