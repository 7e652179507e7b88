"""The signed-in session and CSRF protection.

The session lives in a signed cookie (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax,
Secure unless the local http run turns it off). SameSite=Lax rather than Strict because the
provider's redirect back to /auth/callback is a cross-site navigation that must carry it.
Every form carries a per-session CSRF token (the synchroniser-token pattern) that a POST
must echo; SameSite alone does not cover older browsers or same-site subdomains.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.responses import RedirectResponse
from starlette.requests import Request

from samla_portal.domain.people import SignedIn

CSRF_FIELD = "csrf_token"


class CsrfRefused(Exception):
    """A form came without the session's CSRF token: refused, nothing was changed."""


class SignInNeeded(Exception):
    """The page needs a signed-in person (or the sign-in has expired)."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's."""
    form = await request.form()
    expected = request.session.get("csrf")
    given = form.get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise CsrfRefused()
    return form


def signed_in(request: Request) -> SignedIn | None:
    claims = request.session.get("user")
    if not claims or request.session.get("expires_at", 0) <= time.time():
        return None
    return SignedIn.from_claims(claims)


def require_signed_in(request: Request) -> tuple[SignedIn, str]:
    """The person and their access token, or SignInNeeded (the page then sends them to sign in)."""
    person = signed_in(request)
    if person is None:
        raise SignInNeeded()
    return person, request.session["access_token"]


def start_session(request: Request, token: dict[str, Any], claims: dict[str, Any]) -> None:
    """A fresh session for the person who just signed in: nothing from before survives but the target page.

    Replacing the CSRF token on sign-in keeps a token planted before sign-in from being usable after it.
    """
    target = request.session.get("next")
    request.session.clear()
    request.session.update({
        "user": SignedIn.from_claims(claims).claims(),
        "access_token": token["access_token"],
        "expires_at": int(token.get("expires_at") or time.time() + int(token.get("expires_in", 300))),
        "csrf": secrets.token_urlsafe(32),
        "next": target,
    })


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path on this site may be a redirect target (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def flash(request: Request, key: str) -> None:
    """A message key shown once on the next page (after a redirect)."""
    request.session["flash"] = [*request.session.get("flash", []), key][-5:]


def done(request: Request, key: str, target: str) -> RedirectResponse:
    """A form that changed something: its one-time message, and the page to see it on (post/redirect/get)."""
    flash(request, key)
    return RedirectResponse(target, status_code=303)


def take_flashes(request: Request) -> list[str]:
    return request.session.pop("flash", []) if "flash" in request.session else []


def forwarded_for(request: Request) -> str:
    """The X-Forwarded-For chain the portal received, with the address it was called from added (as a reverse
    proxy adds its peer): a service trusting the portal reads the first untrusted hop from the right."""
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    return ", ".join([*hops, request.client.host if request.client else "unknown"])
