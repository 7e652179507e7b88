"""The issuer's key set over real HTTP from a provider the test controls: down, garbage, rotating.

A service must not hammer its identity provider because of made-up key ids, must keep
accepting good tokens while the provider is down, and must answer 503 (retry later),
never 500 or 401, when it has no keys at all because the provider fails.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from samla_shared.security.tokens import IdentityProviderUnavailable, InvalidToken, TokenVerifier

ISSUER = "https://login.example.no/realms/samla"
AUDIENCE = "samla-enrollment"


class Provider:
    """A key-set endpoint whose keys and health the test switches; it counts the fetches."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "first", "use": "sig", "alg": "RS256"})]
        self.mode = "up"
        self.fetches = 0
        self.app = Starlette(routes=[Route("/jwks.json", self.jwks)])

    async def jwks(self, _: Request) -> Response:
        self.fetches += 1
        if self.mode == "down":
            return PlainTextResponse("upstream unavailable", status_code=503)
        if self.mode == "garbage":
            return PlainTextResponse("<html>login portal maintenance</html>")
        return JSONResponse({"keys": [key.as_dict(private=False) for key in self.keys]})

    def rotate(self) -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": f"k-{uuid.uuid4().hex[:6]}", "use": "sig", "alg": "RS256"})
        self.keys = [key]
        return key

    def token(self, key: RSAKey | None = None, *, kid: str | None = None, **claims: object) -> str:
        key = key or self.keys[0]
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "kari", "iat": now, "exp": now + 600,
                "roles": ["participant"], **claims}
        return jwt.encode({"alg": "RS256", "kid": kid or key.kid, "typ": "at+jwt"}, body, key)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Provider:
    return Provider()


def verifier(url: str, clock: Clock) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=f"{url}/jwks.json", cache_seconds=300,
                         min_refresh_seconds=30, clock=clock)


async def test_tokens_with_made_up_key_ids_fetch_the_key_set_once_not_once_each(provider, served):
    clock = Clock()
    async with served(provider.app) as url:
        check = verifier(url, clock)
        await check.verify(provider.token())
        clock.now += 31  # past the minimum interval: one refresh is due for an unknown key id
        stranger = RSAKey.generate_key(2048)
        attempts = [check.verify(provider.token(stranger, kid=f"made-up-{i}")) for i in range(25)]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        assert all(isinstance(r, InvalidToken) for r in results)
        # The first fetch, and one refresh for the unknown ids; not 26.
        assert provider.fetches == 2
        clock.now += 10
        with pytest.raises(InvalidToken):
            await check.verify(provider.token(stranger, kid="made-up-later"))
        assert provider.fetches == 2


async def test_a_rotated_key_is_picked_up_once_the_minimum_interval_has_passed(provider, served):
    clock = Clock()
    async with served(provider.app) as url:
        check = verifier(url, clock)
        await check.verify(provider.token())
        clock.now += 31
        new_key = provider.rotate()
        principal = await check.verify(provider.token(new_key))
        assert principal.subject == "kari"
        assert provider.fetches == 2


async def test_known_keys_keep_serving_while_the_provider_is_down_after_the_cache_age(provider, served):
    clock = Clock()
    async with served(provider.app) as url:
        check = verifier(url, clock)
        token = provider.token()
        await check.verify(token)
        provider.mode = "down"
        clock.now += 301  # the cache is past its age
        assert (await check.verify(token)).subject == "kari"
        assert (await check.verify(token)).subject == "kari"
        # One attempt to refresh; the second request did not ask (and wait for) the provider again.
        assert provider.fetches == 2
        provider.mode = "garbage"
        clock.now += 31
        assert (await check.verify(token)).subject == "kari"
        assert provider.fetches == 3


@pytest.mark.parametrize("mode", ["down", "garbage"])
async def test_without_any_keys_a_failing_provider_means_unavailable_not_a_bad_token(provider, served, mode):
    provider.mode = mode
    async with served(provider.app) as url:
        check = verifier(url, Clock())
        with pytest.raises(IdentityProviderUnavailable):
            await check.verify(provider.token())


@pytest.mark.parametrize("mode", ["down", "garbage"])
async def test_a_service_answers_503_problem_details_when_the_provider_fails(provider, served, service, mode):
    from samla_enrollment.entrypoints.app import create_app
    from samla_enrollment.settings import EnrollmentSettings

    provider.mode = mode
    async with served(provider.app) as url:
        async with service(create_app, EnrollmentSettings, auth_issuer=ISSUER,
                           auth_jwks_url=f"{url}/jwks.json") as client:
            response = await client.get("/programmes", headers={"Authorization": f"Bearer {provider.token()}"})
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"]
            assert "identity provider" in response.json()["detail"]
            provider.mode = "up"
