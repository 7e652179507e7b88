"""Log lines written while serving a network-scoped request carry its `network_id`.

A route is network-scoped when `network_id` is in its path (`/networks/{network_id}/…`)
or its query (`?network_id=`). The route's parameters are known only once the router
matched, so a dependency records the network, and a middleware around the whole app
clears it after the response (in-process clients share one context between requests).
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from samla_shared.structured_logging import current_network_id


async def note_request_network(request: Request) -> None:
    """App-wide dependency: put the request's network, if it names one, on its log lines."""
    network_id = request.path_params.get("network_id") or request.query_params.get("network_id")
    if network_id:
        # Set, not scoped: the error handlers that log run after the route returned or raised.
        current_network_id.set(network_id)


class NetworkLogScopeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_network_id.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            current_network_id.reset(token)
