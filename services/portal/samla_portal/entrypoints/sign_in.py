"""Signing in with OpenID Connect (code + PKCE), signing out, and choosing a language."""

from __future__ import annotations

import httpx
from authlib.integrations.base_client.errors import OAuthError
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.domain.languages import LANGUAGES
from samla_portal.entrypoints.rendering import LANGUAGE_COOKIE
from samla_portal.entrypoints.session import checked_form, flash, local_path, start_session

router = APIRouter()
ONE_YEAR = 365 * 24 * 3600


@router.get("/sign-in", summary="Send the person to the identity provider")
async def sign_in(request: Request, next: str | None = None) -> Response:
    request.session["next"] = local_path(next)
    settings = request.app.state.settings
    try:
        return await request.app.state.identity_provider.authorize_redirect(
            request, f"{settings.public_url.rstrip('/')}/auth/callback")
    except httpx.HTTPError as error:  # the provider's discovery document does not answer
        return request.app.state.renderer.render(request, "error.html", 503, problem="provider_down", detail=str(error))


@router.get("/auth/callback", summary="The provider sends the person back here with a code")
async def callback(request: Request) -> Response:
    pages = request.app.state.renderer
    try:
        token = await request.app.state.identity_provider.authorize_access_token(request)
    except OAuthError as error:
        # A refused or replayed code, a state that does not match, a bad ID token: sign in again.
        return pages.render(request, "error.html", 400, problem="sign_in_failed", detail=error.description)
    except httpx.HTTPError as error:
        return pages.render(request, "error.html", 503, problem="provider_down", detail=str(error))
    claims = token.get("userinfo") or {}
    if not claims.get("sub"):
        return pages.render(request, "error.html", 400, problem="sign_in_failed", detail=None)
    start_session(request, token, dict(claims))
    return RedirectResponse(local_path(request.session.pop("next", None)), status_code=303)


@router.post("/sign-out", summary="End the session here")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    flash(request, "signed_out")
    return RedirectResponse("/", status_code=303)


@router.post("/language", summary="Choose the language of every page; remembered in a cookie")
async def choose_language(request: Request) -> Response:
    form = await checked_form(request)
    language = str(form.get("lang", ""))
    response = RedirectResponse(local_path(str(form.get("next") or "/")), status_code=303)
    if language in LANGUAGES:
        settings = request.app.state.settings
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, httponly=True, samesite="lax",
                            secure=settings.cookie_secure)
    return response
