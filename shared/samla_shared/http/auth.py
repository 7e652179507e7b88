"""Authentication and authorisation of every request, from the service's access table.

One app-wide FastAPI dependency: it finds the route's rule, verifies the bearer token,
and leaves a Grant on `request.state` for the handler's resource checks (`Access`).
Missing or refused tokens get 401 with `WWW-Authenticate`; a role the rule does not
list gets 403; anonymous calls to the public form are rate-limited per client address, across
all instances of the service (samla_shared.http.rate_limit).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.http.rate_limit import SharedRateLimit, TrustedProxies

from samla_shared.security.access import AccessTable, Anonymous, Grant
from samla_shared.security.tokens import IdentityProviderUnavailable, InvalidToken, TokenVerifier
from samla_shared.settings import ServiceSettings


def _unauthorised(detail: str, *, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="samla"'
    if error:
        description = re.sub(r'[^\x20-\x7e]|["\\]', "", detail)[:200]
        challenge += f', error="{error}", error_description="{description}"'
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("the Authorization header must carry a Bearer token", error="invalid_request")
    return token.strip()


class Authoriser:
    """The app-wide dependency: `FastAPI(dependencies=[Depends(Authoriser(...))])`."""

    def __init__(self, settings: ServiceSettings, table: AccessTable, database: Callable[[], AsyncDatabase]) -> None:
        self.table = table
        self._settings = settings
        self._database = database
        self._public_form: SharedRateLimit | None = None
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.verifier = TokenVerifier(
            issuer=settings.auth_issuer, audience=settings.auth_audience, jwks_url=settings.auth_jwks_url,
            leeway_seconds=settings.auth_leeway_seconds, cache_seconds=settings.auth_keys_max_age_seconds,
            min_refresh_seconds=settings.auth_key_refresh_min_seconds,
            max_lifetime_seconds=settings.auth_max_token_lifetime_seconds, token_types=settings.auth_token_types)

    async def __call__(self, request: Request) -> None:
        route = request.scope.get("route")
        rule = self.table.lookup(request.method, getattr(route, "path", ""))
        if rule is None:  # deny by default: a route nobody wrote a rule for is nobody's
            raise HTTPException(403, "no access rule covers this endpoint")
        if rule.anonymous in (Anonymous.OPEN, Anonymous.SECRET_LINK):
            request.state.grant = Grant.anonymous()
            return
        token = _bearer(request)
        if token is None:
            if rule.anonymous is Anonymous.PUBLIC_FORM:
                await self._count_public_use(request)
                request.state.grant = Grant.anonymous()
                return
            raise _unauthorised("a bearer token is required")
        try:
            principal = await self.verifier.verify(token)
        except InvalidToken as exc:
            raise _unauthorised(str(exc), error="invalid_token") from exc
        except IdentityProviderUnavailable as exc:
            # Not the caller's fault and maybe a good token: retry later, not sign in again.
            raise HTTPException(503, str(exc), headers={"Retry-After": "30"}) from exc
        reaches = rule.reaches_of(principal)
        if not reaches:
            raise HTTPException(403, f"none of the caller's roles may {rule.endpoint}")
        request.state.grant = Grant(principal, reaches)

    async def _count_public_use(self, request: Request) -> None:
        if self._public_form is None:
            self._public_form = SharedRateLimit(self._database(), burst=self._settings.public_form_burst,
                                                per_minute=self._settings.public_form_per_minute)
        wait = await self._public_form.take(self.proxies.client_of(request))
        if wait:
            raise HTTPException(429, "too many anonymous applications from this address; retry later",
                                headers={"Retry-After": str(math.ceil(wait))})


async def current_grant(request: Request) -> Grant:
    # Async although it awaits nothing: FastAPI runs a plain `def` dependency in its thread pool, a
    # hand-off to another thread and back on every request for a read of one attribute.
    return request.state.grant


Access = Annotated[Grant, Depends(current_grant)]


def refuse(detail: str) -> HTTPException:
    """403 for an action the caller's role allows in general but not on this resource."""
    return HTTPException(403, detail)
