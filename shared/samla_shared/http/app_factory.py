"""Builds a service's FastAPI app around its ServiceRuntime, the same way for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from samla_shared.http.auth import Authoriser
from samla_shared.http.docs import install_offline_docs
from samla_shared.http.hardening import install_hardening
from samla_shared.http.network_scope import NetworkLogScopeMiddleware, note_request_network
from samla_shared.http.openapi_problems import document_problem_responses
from samla_shared.http.operations import HttpMetricsMiddleware, operations_router
from samla_shared.http.problems import install_problem_handlers
from samla_shared.http.writer_forwarding import WriterForwarding
from samla_shared.security.access import AccessTable
from samla_shared.service_runtime import ServiceRuntime


def build_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    access: AccessTable,
    domain_errors: Mapping[type[Exception], int] = {},
) -> FastAPI:
    """Every route is authorised by `access` (see samla_shared.security.access) before its handler runs.

    The shared refusals (samla_shared.errors) are answered 404/409/422 for every service;
    `domain_errors` maps only a service's own extras to their statuses.
    """
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    authoriser = Authoriser(runtime.settings, access, lambda: runtime.db)
    # /docs from the service's own files, not a CDN (samla_shared.http.docs).
    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  dependencies=[Depends(note_request_network), Depends(authoriser)])
    install_offline_docs(app)
    app.state.runtime = runtime
    app.state.access = access
    if runtime.election is not None:
        # Innermost of the middlewares: a forwarded write has passed the body limit and is counted
        # here; the writer authorises it (samla_shared.http.writer_forwarding).
        app.add_middleware(WriterForwarding, runtime=runtime)
    app.add_middleware(NetworkLogScopeMiddleware)
    app.add_middleware(HttpMetricsMiddleware, service=runtime.service)
    install_hardening(app, runtime.settings)
    install_problem_handlers(app, domain_errors)
    document_problem_responses(app)
    app.include_router(operations_router(runtime.readiness, runtime.asyncapi))
    for router in routers:
        app.include_router(router)
    # No spans for the ASGI `receive`/`send` messages: two or three per request that say nothing the
    # request span does not, and were a good part of the export's cost (bench_tracing_cost).
    # No spans for calendar feeds either: a feed's URL is its credential (a secret link), and a
    # span would write it into every trace store on the way.
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=runtime.tracer_provider,
        excluded_urls="health/live,health/ready,metrics,calendar-feeds/",
        exclude_spans=["receive", "send"],
    )
    return app
