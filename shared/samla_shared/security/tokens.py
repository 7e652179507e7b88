"""Verifying OIDC bearer tokens (JWT) against the issuer's published JWKS.

The JOSE work is joserfc's; this module only fetches and caches the key set, and applies
Samla's rules: a known issuer and this service's own audience, access tokens only (`typ`
`at+jwt`, RFC 9068, so an ID token is refused), an issue time and an expiry no further
apart than a maximum lifetime, a bounded clock skew, and asymmetric algorithms only (so
`alg=none` and HMAC tokens are refused).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from samla_shared.security.principal import Principal

log = logging.getLogger("samla.security")

ALLOWED_ALGORITHMS = ["RS256", "PS256", "ES256"]
# RFC 9068: a JWT access token says `typ: at+jwt` (the media type application/at+jwt).
ACCESS_TOKEN_TYPES = ("at+jwt",)


class InvalidToken(Exception):
    """The token was refused; the message says why (it is safe to show to the caller)."""


class IdentityProviderUnavailable(Exception):
    """The issuer's key set cannot be had right now: the token may be fine, the caller should retry (503)."""


class KeySetCache:
    """The issuer's key set, fetched by one request at a time and at most every `min_refresh_seconds`.

    Keys older than `max_age_seconds` are refreshed, but while the provider is down the old
    keys keep serving: they are still the keys that signed the tokens in circulation, and
    refusing every caller (401) because the provider blinked would be an outage of our own.
    A token naming a key id we do not know may mean the issuer rotated its keys, so it
    triggers a refresh too, but never more often than the minimum interval: otherwise anyone
    could make us hammer the provider (and wait for it) by sending made-up key ids.
    """

    def __init__(self, jwks_url: str, *, max_age_seconds: float = 300.0, min_refresh_seconds: float = 30.0,
                 timeout_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.jwks_url = jwks_url
        self.clock = clock
        self.max_age = max_age_seconds
        self.min_refresh = min_refresh_seconds
        self.timeout = timeout_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._attempts = 0
        self._lock = asyncio.Lock()

    @property
    def _stale(self) -> bool:
        return self.clock() - self._fetched_at > self.max_age

    async def current(self) -> KeySet:
        if self._keys is not None and (not self._stale or self._lock.locked()):
            # Fresh, or stale with a refresh under way: the known keys serve without waiting.
            return self._keys
        await self.refresh()
        if self._keys is None:
            raise IdentityProviderUnavailable("the identity provider's keys cannot be fetched; retry later")
        return self._keys

    async def refresh(self) -> None:
        """Fetch the key set unless another request just did (or is doing) so; failures keep the old keys."""
        seen = self._attempts
        async with self._lock:
            if self._attempts != seen:
                return  # someone refreshed while we waited for the lock
            now = self.clock()
            if self._attempted_at is not None and now - self._attempted_at < self.min_refresh:
                return
            self._attempted_at = now
            self._attempts += 1
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.get(self.jwks_url)
                    response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
            except (httpx.HTTPError, ValueError, TypeError, KeyError, JoseError) as exc:
                # A provider that is down or answers garbage: keep what we have and say so.
                log.warning("the identity provider's key set could not be refreshed from %s: %r", self.jwks_url, exc)
                return
            self._keys = keys
            self._fetched_at = self.clock()

    def knows(self, kid: str | None) -> bool:
        if self._keys is None:
            return False
        if kid is None:
            return True  # joserfc picks the key; a key set of one serves issuers that name none
        return any(key.kid == kid for key in self._keys.keys)


class TokenVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str, leeway_seconds: int = 30,
                 cache_seconds: int = 300, min_refresh_seconds: float = 30.0, max_lifetime_seconds: int = 3600,
                 token_types: Iterable[str] = ACCESS_TOKEN_TYPES, clock: Callable[[], float] = time.monotonic) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self.leeway = leeway_seconds
        self.max_lifetime = max_lifetime_seconds
        self.token_types = frozenset(t.lower().removeprefix("application/") for t in token_types)
        self._claims = JWTClaimsRegistry(
            leeway=leeway_seconds,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        self.keys = KeySetCache(jwks_url, max_age_seconds=cache_seconds, min_refresh_seconds=min_refresh_seconds,
                                clock=clock)

    async def verify(self, token: str) -> Principal:
        header = self._header(token)
        kid = header.get("kid")
        await self.keys.current()
        if not self.keys.knows(kid):
            # Perhaps the issuer rotated its keys: refresh (rate-limited), then decide.
            await self.keys.refresh()
            if not self.keys.knows(kid):
                raise InvalidToken("token refused: signed by a key the issuer does not publish")
        claims = self._decode(token, await self.keys.current())
        return Principal.from_claims(claims)

    def _header(self, token: str) -> dict[str, Any]:
        try:
            header = dict(jws.extract_compact(token.encode()).protected)
        except (JoseError, ValueError, TypeError, UnicodeError) as exc:
            raise InvalidToken("token refused: malformed") from exc
        kind = str(header.get("typ", "")).lower().removeprefix("application/")
        if kind not in self.token_types:
            raise InvalidToken("token refused: not an access token (typ must be at+jwt)")
        return header

    def _decode(self, token: str, keys: KeySet) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
            self._claims.validate(decoded.claims)
        except JoseError as exc:
            raise InvalidToken(f"token refused: {exc.description or exc.error}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("token refused: malformed") from exc
        claims = decoded.claims
        issued, expires = claims.get("iat"), claims.get("exp")
        if not isinstance(issued, int | float) or not isinstance(expires, int | float):
            raise InvalidToken("token refused: iat and exp must be numbers")
        if issued > time.time() + self.leeway:
            raise InvalidToken("token refused: issued in the future")
        if expires - issued > self.max_lifetime:
            # A token that lives for days is a credential nobody can take back: refuse it.
            raise InvalidToken(f"token refused: lives longer than {self.max_lifetime} s")
        return claims
