"""Short-lived tokens for calling another Samla service: the OAuth2 client-credentials grant.

A service that calls another one (notifications reading contacts from enrollment) asks the
identity provider for a token of its own client, for the callee's audience, carrying only
the narrow role the provider registered for that client. The token is kept until shortly
before it expires and then fetched again, so a leaked token is good for minutes and for one
service's one endpoint, not for a month of platform administration (the long-lived admin
token this replaces).
"""

from __future__ import annotations

import asyncio
import time

import httpx
from pydantic import SecretStr


class CredentialsUnavailable(ConnectionError):
    """No token could be had from the identity provider; a ConnectionError, so callers retry later."""


class ClientCredentials:
    """`await credentials.token()`: a bearer token for `audience`, cached until `renew_before` its expiry.

    The token endpoint is `token_url`, or else the issuer's discovery document's
    `token_endpoint` (`{issuer}/.well-known/openid-configuration`), as any OIDC provider serves.
    """

    def __init__(self, *, issuer: str, client_id: str, client_secret: SecretStr, audience: str,
                 token_url: str | None = None, renew_before_seconds: float = 60.0, timeout_seconds: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.audience = audience
        self._token_url = token_url
        self.renew_before = renew_before_seconds
        self._client = httpx.AsyncClient(timeout=timeout_seconds)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        if self._token is not None and time.monotonic() < self._expires_at - self.renew_before:
            return self._token
        async with self._lock:  # one fetch at a time; the others take its result
            if self._token is not None and time.monotonic() < self._expires_at - self.renew_before:
                return self._token
            self._token, lifetime = await self._fetch()
            self._expires_at = time.monotonic() + lifetime
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the callee refused it, e.g. after the provider rotated its keys)."""
        self._token = None

    async def _fetch(self) -> tuple[str, float]:
        try:
            url = self._token_url or await self._discover()
            response = await self._client.post(url, data={
                "grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self._secret.get_secret_value(), "audience": self.audience})
            response.raise_for_status()
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 300))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise CredentialsUnavailable(f"no client-credentials token for {self.audience}: {exc!r}") from exc

    async def _discover(self) -> str:
        response = await self._client.get(f"{self.issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        self._token_url = str(response.json()["token_endpoint"])
        return self._token_url

    async def close(self) -> None:
        await self._client.aclose()
