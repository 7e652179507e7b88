"""Verifying OIDC bearer tokens (JWT) against the issuer's published JWKS.

The JOSE work is joserfc's; this module only fetches and caches the key set, and applies
Samla's rules: a known issuer and audience, an expiry, a bounded clock skew, and
asymmetric algorithms only (so `alg=none` and HMAC tokens are refused).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from samla_shared.security.principal import Principal

ALLOWED_ALGORITHMS = ["RS256", "PS256", "ES256"]


class InvalidToken(Exception):
    """The token was refused; the message says why (it is safe to show to the caller)."""


class TokenVerifier:
    def __init__(self, *, issuer: str, audience: str, jwks_url: str, leeway_seconds: int = 30,
                 cache_seconds: int = 300) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self._claims = JWTClaimsRegistry(
            leeway=leeway_seconds,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._cache_seconds = cache_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def _key_set(self, refresh: bool = False) -> KeySet:
        stale = time.monotonic() - self._fetched_at > self._cache_seconds
        if self._keys is None or stale or refresh:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.jwks_url)
                response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._fetched_at = time.monotonic()
        return self._keys

    async def verify(self, token: str) -> Principal:
        try:
            keys = await self._key_set()
        except httpx.HTTPError as exc:
            raise InvalidToken("the identity provider's keys cannot be fetched") from exc
        claims = await self._decode(token, keys)
        return Principal.from_claims(claims)

    async def _decode(self, token: str, keys: KeySet) -> dict[str, Any]:
        for attempt in (1, 2):
            try:
                decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
                self._claims.validate(decoded.claims)
                return decoded.claims
            except JoseError as exc:
                # An unknown key id may mean the issuer rotated its keys: refresh once.
                if attempt == 1 and "key" in type(exc).__name__.lower():
                    try:
                        keys = await self._key_set(refresh=True)
                        continue
                    except httpx.HTTPError:
                        pass
                raise InvalidToken(f"token refused: {exc.description or exc.error}") from exc
            except (ValueError, KeyError) as exc:
                raise InvalidToken("token refused: malformed") from exc
        raise InvalidToken("token refused")
