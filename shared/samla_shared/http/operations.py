"""Operational endpoints every service serves the same way: health, metrics, AsyncAPI."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samla_shared.http.problems import problem

HTTP_REQUESTS = Counter("samla_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "samla_http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

ReadinessCheck = Callable[[], Awaitable[list[str]]]


def operations_router(readiness: ReadinessCheck, asyncapi: Callable[[], dict[str, Any]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready", summary="Kafka and MongoDB answer", responses={503: {"description": "Not ready"}})
    async def ready() -> Any:
        reasons = await readiness()
        if reasons:
            return problem(503, "Not ready", "; ".join(reasons), reasons=reasons)
        return {"status": "ready"}

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", summary="AsyncAPI document of the events this service publishes and consumes")
    async def asyncapi_document() -> dict[str, Any]:
        return asyncapi()

    return router


class HttpMetricsMiddleware:
    """Counts requests and times them per route template (not per raw path, to bound cardinality)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_DURATION.labels(self.service, method, template).observe(time.perf_counter() - started)
