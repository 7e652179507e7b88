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
import uuid
from typing import Protocol

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from pydantic import SecretStr

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 60


class CredentialsUnavailable(ConnectionError):
    """No token could be had from the identity provider; a ConnectionError, so callers retry later."""


class ClientCredentials:
    """`await credentials.token()`: a bearer token for `audience`, cached until `renew_before` its expiry.

    The token endpoint is `token_url`, or else the issuer's discovery document's
    `token_endpoint` (`{issuer}/.well-known/openid-configuration`), as any OIDC provider serves.
    """

    def __init__(self, *, issuer: str, client_id: str, audience: str, client_secret: SecretStr | None = None,
                 private_key: SecretStr | None = None, key_id: str | None = None, token_url: str | None = None,
                 renew_before_seconds: float = 60.0, timeout_seconds: float = 5.0) -> None:
        """`private_key` (a PEM RSA or EC key; `key_id` names it, as registered), if given, is used instead of
        `client_secret`."""
        if client_secret is None and private_key is None:
            raise ValueError("a client authenticates with a client secret or a private key")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._signer = AssertionSigner(client_id, private_key, key_id) if private_key is not None else None
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
                "grant_type": "client_credentials", "client_id": self.client_id, "audience": self.audience,
                **self._proof(url)})
            response.raise_for_status()
            body = response.json()
            return str(body["access_token"]), float(body.get("expires_in", 300))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise CredentialsUnavailable(f"no client-credentials token for {self.audience}: {exc!r}") from exc

    def _proof(self, token_url: str) -> dict[str, str]:
        """The form fields that authenticate this client at `token_url`."""
        if self._signer is not None:
            return {"client_assertion_type": JWT_BEARER_ASSERTION, "client_assertion": self._signer.assertion(token_url)}
        assert self._secret is not None
        return {"client_secret": self._secret.get_secret_value()}

    async def _discover(self) -> str:
        response = await self._client.get(f"{self.issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        self._token_url = str(response.json()["token_endpoint"])
        return self._token_url

    async def close(self) -> None:
        await self._client.aclose()


class AssertionSigner:
    """Signs `private_key_jwt` client assertions: issuer and subject the client, audience the token endpoint."""

    def __init__(self, client_id: str, private_key: SecretStr, key_id: str | None) -> None:
        pem = private_key.get_secret_value()
        try:
            self._key: RSAKey | ECKey = RSAKey.import_key(pem)
            self._algorithm = "RS256"
        except JoseError:  # not an RSA key: an elliptic-curve one
            self._key = ECKey.import_key(pem)
            self._algorithm = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[self._key.curve_name]
        self.client_id = client_id
        self.key_id = key_id or self._key.thumbprint()

    def assertion(self, token_url: str) -> str:
        now = int(time.time())
        # A fresh jti each time: the provider refuses an assertion it has seen (replay).
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": token_url, "jti": uuid.uuid4().hex,
                  "iat": now, "nbf": now, "exp": now + ASSERTION_LIFETIME_SECONDS}
        return jwt.encode({"alg": self._algorithm, "kid": self.key_id, "typ": "JWT"}, claims, self._key)


class ClientSettings(Protocol):
    """The settings of a service that calls others with a client of its own (sessions, notifications)."""

    auth_issuer: str
    auth_client_credentials_url: str | None
    enrollment_client_id: str
    enrollment_client_secret: SecretStr
    enrollment_client_key: SecretStr | None
    enrollment_client_key_id: str | None


def client_credentials(settings: ClientSettings, audience: str) -> ClientCredentials:
    """Tokens of the service's own client for `audience`, authenticated by key where one is set."""
    return ClientCredentials(issuer=settings.auth_issuer, token_url=settings.auth_client_credentials_url,
                             client_id=settings.enrollment_client_id, client_secret=settings.enrollment_client_secret,
                             private_key=settings.enrollment_client_key, key_id=settings.enrollment_client_key_id,
                             audience=audience)
