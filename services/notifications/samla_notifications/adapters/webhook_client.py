"""Posting a webhook to an integrator's URL, and resolving its host before we do.

The post connects to the address that was resolved and checked, never to a second answer
from DNS: otherwise a receiver's name could resolve to a public address for the check and
to an internal one for the connection (DNS rebinding). The request still names the host
(Host header) and TLS still checks the certificate for it (SNI), so a receiver sees nothing
different.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class PostOutcome:
    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def resolve(host: str) -> list[str]:
    """Every address the host resolves to (empty when it does not resolve)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


def pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """The URL with its host replaced by `address`, the Host header, and the TLS server name to use."""
    original = httpx.URL(url)
    default_port = {"http": 80, "https": 443}[original.scheme]
    host = original.host if original.port in (None, default_port) else f"{original.host}:{original.port}"
    extensions = {"sni_hostname": original.host} if original.scheme == "https" else {}
    return original.copy_with(host=address), {"host": host}, extensions


class WebhookPoster:
    def __init__(self, timeout: float) -> None:
        # No redirects: a receiver could bounce us to an address we would have refused.
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         headers={"user-agent": "Samla-Webhooks/1.0"})

    async def post(self, url: str, address: str, body: bytes, headers: dict[str, str]) -> PostOutcome:
        """POST to `url`, connecting to the already checked `address`.

        Integrators read the outcome: only the status code or the kind of network failure,
        never what the target answered (it may be an internal page we must not relay).
        """
        started = time.perf_counter()
        target, host, extensions = pinned(url, address)
        try:
            response = await self._client.post(target, content=body, headers={**headers, **host},
                                               extensions=extensions)
        except httpx.HTTPError as exc:
            return PostOutcome(None, f"no answer ({type(exc).__name__})", (time.perf_counter() - started) * 1000)
        return PostOutcome(response.status_code, None, (time.perf_counter() - started) * 1000)

    async def close(self) -> None:
        await self._client.aclose()
