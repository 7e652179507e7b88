"""Posting a webhook to an integrator's URL, and resolving its host before we do."""

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


class WebhookPoster:
    def __init__(self, timeout: float) -> None:
        # No redirects: a receiver could bounce us to an address we would have refused.
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         headers={"user-agent": "Samla-Webhooks/1.0"})

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostOutcome:
        started = time.perf_counter()
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return PostOutcome(None, f"{type(exc).__name__}: {exc}"[:500], (time.perf_counter() - started) * 1000)
        error = None if 200 <= response.status_code < 300 else response.text[:200]
        return PostOutcome(response.status_code, error, (time.perf_counter() - started) * 1000)

    async def close(self) -> None:
        await self._client.aclose()
