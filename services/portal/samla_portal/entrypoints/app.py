"""The portal's app factory: `uvicorn samla_portal.entrypoints.app:create_app --factory --port 8000`."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response

from samla_shared.security.client_credentials import ClientCredentials
from samla_shared.structured_logging import configure_logging
from samla_shared.telemetry import setup_telemetry
from samla_portal.adapters.catalogues import load_catalogues
from samla_portal.adapters.oidc import identity_provider
from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.languages import LANGUAGES
from samla_portal.entrypoints import (application_pages, competence_pages, document_pages, insight_pages,
                                      measure_pages, pages, plan_pages, public_pages, session_pages, sign_in,
                                      unit_pages)
from samla_portal.entrypoints import interest_pages, team_pages
from samla_portal.entrypoints.rendering import Renderer
from samla_portal.entrypoints.session import CsrfRefused, SignInNeeded
from samla_portal.service_layer.applications import Applications
from samla_portal.service_layer.competences import Competences
from samla_portal.service_layer.enrollment import Enrollment
from samla_portal.service_layer.gatherings import Gatherings
from samla_portal.service_layer.interest import Interest
from samla_portal.service_layer.insight import Insight
from samla_portal.service_layer.measures import Measures
from samla_portal.service_layer.plans import Plans
from samla_portal.service_layer.progress_plans import ProgressPlans
from samla_portal.service_layer.public_form import PublicForm
from samla_portal.service_layer.teams import Teams
from samla_portal.service_layer.unit_input import UnitInput
from samla_portal.service_layer.unit_series import UnitSeries
from samla_portal.settings import PortalSettings

log = logging.getLogger("samla.portal")
STATIC = Path(__file__).resolve().parents[1] / "static"


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    configure_logging(settings.service_name, settings.log_level)
    tracer_provider = setup_telemetry(settings.service_name, settings.otlp_endpoint)
    api = SamlaApi({"enrollment": settings.enrollment_url, "sessions": settings.sessions_url,
                    "measures": settings.measures_url, "notifications": settings.notifications_url},
                   timeout=settings.http_timeout_seconds)
    catalogue_credentials = ClientCredentials(
        issuer=settings.provider_url, client_id=settings.enrollment_client_id,
        client_secret=settings.enrollment_client_secret, audience=settings.enrollment_audience,
        token_url=settings.auth_client_credentials_url, timeout_seconds=settings.http_timeout_seconds)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await api.close()
            await catalogue_credentials.close()

    # The portal's pages are for people, not integrators: no OpenAPI document or Swagger UI.
    app = FastAPI(title="Samla portal", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.renderer = renderer = Renderer(load_catalogues(list(LANGUAGES)), settings.time_zone)
    app.state.identity_provider = identity_provider(settings)
    app.state.api = api  # documents pass through unchanged, with no use case between
    app.state.enrollment = Enrollment(api)
    app.state.applications = Applications(api)
    app.state.measures = Measures(api, settings.time_zone)
    app.state.plans = Plans(api)
    app.state.gatherings = Gatherings(api)
    app.state.insight = Insight(api)
    app.state.unit_input = UnitInput(api)
    app.state.unit_series = UnitSeries(api)
    app.state.progress_plans = ProgressPlans(api)
    app.state.competences = Competences(api)
    app.state.public_form = PublicForm(api, catalogue_credentials)
    app.state.teams = Teams(api)
    app.state.interest = Interest(api)

    secret = settings.session_secret.get_secret_value() if settings.session_secret else secrets.token_urlsafe(48)
    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=settings.session_cookie,
                       max_age=settings.session_max_age_seconds, same_site="lax", https_only=settings.cookie_secure)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette's signature
        response: Response = await call_next(request)
        # Nothing is loaded from outside the deployment; the CSP says so to the browser too.
        response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                                    "form-action 'self' " + _origin(settings.oidc_issuer))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path not in ("/health/live", "/health/ready") and not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider, excluded_urls="health/,static/",
                                       exclude_spans=["receive", "send"])
    app.include_router(sign_in.router)
    app.include_router(pages.router)
    app.include_router(application_pages.router)
    app.include_router(public_pages.router)
    app.include_router(measure_pages.router)
    app.include_router(session_pages.router)
    app.include_router(document_pages.router)
    app.include_router(insight_pages.router)
    app.include_router(unit_pages.router)
    app.include_router(plan_pages.router)
    app.include_router(competence_pages.router)
    app.include_router(team_pages.router)
    app.include_router(interest_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @app.get("/health/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        """Ready when the identity provider answers: without it nobody can sign in."""
        url = f"{settings.provider_url}/.well-known/openid-configuration"
        try:
            async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as client:
                (await client.get(url)).raise_for_status()
        except httpx.HTTPError as error:
            return JSONResponse({"type": "about:blank", "title": "Service unavailable", "status": 503,
                                 "detail": f"the identity provider does not answer: {error}"},
                                status_code=503, media_type="application/problem+json")
        return JSONResponse({"status": "ready"})

    @app.exception_handler(SignInNeeded)
    async def _sign_in_first(request: Request, _: SignInNeeded) -> Response:
        if request.method != "GET":
            return renderer.render(request, "error.html", 401, problem="signed_out", detail=None)
        # The query too: a shared address such as a workshop's results (?session_id=) lands where it pointed.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, _: CsrfRefused) -> Response:
        return renderer.render(request, "error.html", 403, problem="csrf", detail=None)

    @app.exception_handler(ApiRefused)
    async def _refused(request: Request, refused: ApiRefused) -> Response:
        if refused.status == 401:  # the token expired or was revoked at the provider
            request.session.clear()
            return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
        status = refused.status if refused.status in (403, 404, 409, 422, 503) else 502
        if status >= 500:
            log.warning("a service refused the portal: %s", refused)
        return renderer.render(request, "error.html", status, problem=f"http_{status}", detail=refused.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _: RequestValidationError) -> Response:
        # A hand-edited address (e.g. ?format=pdf on an export) gets a page, like every other refusal.
        return renderer.render(request, "error.html", 422, problem="http_422", detail=None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/static"):
            return JSONResponse({"title": "Not found", "status": error.status_code}, status_code=error.status_code)
        problem = f"http_{error.status_code}" if error.status_code in (404, 405) else "http_error"
        return renderer.render(request, "error.html", error.status_code, problem=problem, detail=None)

    return app


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
