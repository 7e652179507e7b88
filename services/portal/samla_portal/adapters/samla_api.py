"""The four services' public HTTP APIs, called with the signed-in person's own token.

The portal never reads a service's database: whatever a page shows, the person could have
asked the API for themselves, and the services' access rules apply unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor


@dataclass
class ApiRefused(Exception):
    """A service answered with an RFC 9457 problem (or at least a status code) instead of data."""

    status: int
    title: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None
    # The problem's other members (RFC 9457 extensions), e.g. the `application_id` a duplicate names.
    extensions: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail or ''}"


@dataclass(frozen=True)
class Download:
    """A file a service answered with, passed on to the browser unchanged."""

    content: bytes
    content_type: str
    content_disposition: str | None


class SamlaApi:
    """One HTTP client per service, shared by all requests; each call carries the caller's bearer token."""

    def __init__(self, urls: dict[str, str], timeout: float) -> None:
        self._clients = {name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()}
        for client in self._clients.values():
            # Each call carries the page request's trace context, so one trace runs from the page into the service.
            HTTPXClientInstrumentor.instrument_client(client)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        return await self._call(service, "GET", path, token, params={k: v for k, v in params.items() if v is not None})

    async def post(self, service: str, path: str, token: str | None, body: dict[str, Any],
                   forwarded_for: str | None = None) -> Any:
        """`token` None: a signed-out visitor's own post (a public form). `forwarded_for`: the X-Forwarded-For
        chain to pass on, as a reverse proxy sends it, so the service's rate limit counts the visitor, not the
        portal."""
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
        return await self._call(service, "POST", path, token, json=body, headers=headers)

    async def put(self, service: str, path: str, token: str, body: dict[str, Any]) -> Any:
        return await self._call(service, "PUT", path, token, json=body)

    async def download(self, service: str, path: str, token: str, **params: Any) -> "Download":
        """A document (export, PDF, archive) as the service wrote it, with its type and file name."""
        try:
            response = await self._clients[service].get(path, headers={"Authorization": f"Bearer {token}"},
                                                        params={k: v for k, v in params.items() if v is not None})
        except httpx.TransportError as error:
            raise ApiRefused(503, f"the {service} service does not answer", str(error)) from error
        if response.status_code >= 400:
            raise _refusal(response)
        return Download(response.content, response.headers.get("content-type", "application/octet-stream"),
                        response.headers.get("content-disposition"))

    async def _call(self, service: str, method: str, path: str, token: str | None, *,
                    headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        # No token: an anonymous call (a public form, a unit's staff input link), checked by the service's own rules.
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._clients[service].request(method, path, headers=sent | (headers or {}), **kwargs)
        except httpx.TransportError as error:
            raise ApiRefused(503, f"the {service} service does not answer", str(error)) from error
        if response.status_code >= 400:
            raise _refusal(response)
        return response.json() if response.content else None


def _refusal(response: httpx.Response) -> ApiRefused:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    detail = problem.get("detail")
    errors = problem.get("errors") if isinstance(problem.get("errors"), list) else None
    if isinstance(detail, list):  # FastAPI's own validation answer
        errors, detail = detail, None
    extensions = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail", "errors",
                                                                "instance")}
    return ApiRefused(response.status_code, str(problem.get("title") or response.reason_phrase),
                      str(detail) if detail is not None else None, errors, extensions or None)
