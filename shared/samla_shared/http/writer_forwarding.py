"""A standby instance passes every write request on to the service's writer and returns its answer.

With several instances behind one address (samla_shared.persistence.writer_election), a
request may land on any of them. Reads are served where they land, from the shared
database; a write (any method but GET, HEAD and OPTIONS) must be done by the writer, so a
standby forwards it unchanged (the caller's token included: the writer authorises it as
if it had come directly) and relays the answer. While no writer is known (one died and its
lease has not run out yet), or it cannot be reached, the answer is 503 with Retry-After:
the request did nothing, and the client tries again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from samla_shared.http.problems import problem
from samla_shared.persistence.writer_election import WriterElection

if TYPE_CHECKING:
    from samla_shared.service_runtime import ServiceRuntime

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Marks a forwarded request, so a request is never forwarded twice (the lease moved meanwhile).
FORWARDED_HEADER = "x-samla-forwarded"
# Not passed on: they describe one connection, and httpx sets its own (and decodes the body).
_CONNECTION_HEADERS = frozenset({"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                                 "content-length", "content-encoding", "proxy-authorization", "proxy-connection"})


def forwarding_client(lease_seconds: float) -> httpx.AsyncClient:
    # A write may wait for the writer's current batch (a rush), so the wait is generous; but a
    # writer that is frozen (and about to be replaced) must not hold requests for long: three
    # lease times, by when a standby has taken over and the client's retry goes there.
    return httpx.AsyncClient(timeout=httpx.Timeout(3 * lease_seconds, connect=min(5.0, lease_seconds)),
                             limits=httpx.Limits(max_connections=200))


class WriterForwarding:
    def __init__(self, app: ASGIApp, *, runtime: ServiceRuntime) -> None:
        assert runtime.election is not None and runtime.forwarding_client is not None
        self.app = app
        self.runtime = runtime
        self.election: WriterElection = runtime.election
        self._client = runtime.forwarding_client  # the runtime's: it closes it on shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        retry_after = {"Retry-After": str(max(1, round(self.election.lease.seconds)))}
        if self.election.is_writer:
            if self.runtime.database_prepared:
                await self.app(scope, receive, send)
                return
            # Just elected: what the previous writer left is being reconciled; a write now could
            # act on a cohort before it is put right.
            answer: Response = problem(503, "Service unavailable", "This instance is taking over the writes; "
                                       "nothing was done, try again.", headers=retry_after)
            await answer(scope, receive, send)
            return
        request = Request(scope, receive)
        if FORWARDED_HEADER in request.headers:
            answer = problem(503, "Service unavailable", "This instance no longer writes; try again.",
                             headers=retry_after)
        elif (address := await self.election.writer_address()) is None:
            answer = problem(503, "Service unavailable", "No instance of this service takes writes at the moment "
                             "(one is taking over); nothing was done, try again.", headers=retry_after)
        else:
            answer = await self._forward(request, address, retry_after)
        await answer(scope, receive, send)

    async def _forward(self, request: Request, address: str, retry_after: dict[str, str]) -> Response:
        headers = [(k, v) for k, v in request.headers.items() if k not in _CONNECTION_HEADERS]
        headers.append((FORWARDED_HEADER, "1"))
        try:
            upstream = await self._client.request(
                request.method, address.rstrip("/") + request.url.path, params=request.url.query or None,
                headers=headers, content=await request.body())
        except httpx.HTTPError as exc:
            return problem(503, "Service unavailable", f"The instance that takes writes did not answer "
                           f"({type(exc).__name__}), so the write may or may not have been done: try again "
                           "(a repeated application is answered 409 with the one already made).",
                           headers=retry_after)
        kept = {k: v for k, v in upstream.headers.items() if k.lower() not in _CONNECTION_HEADERS}
        return Response(upstream.content, status_code=upstream.status_code, headers=kept)
