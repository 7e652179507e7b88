"""Bearer tokens are checked against the issuer's JWKS: signature, issuer, audience, expiry, algorithm."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey

from samla_shared.security.principal import Role
from samla_shared.security.tokens import InvalidToken, TokenVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "infra/local"))
import dev_issuer  # noqa: E402


@pytest.fixture
async def issuer(tmp_path, unused_tcp_port):
    base = f"http://127.0.0.1:{unused_tcp_port}{dev_issuer.ISSUER_PATH}"
    app = dev_issuer.create_app(dev_issuer.load_key(tmp_path), base)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=unused_tcp_port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield base
    server.should_exit = True
    await task


async def mint(issuer: str, **request) -> str:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{issuer}/tokens", json={"subject": "kari", **request})
        return response.json()["access_token"]


def verifier(issuer: str) -> TokenVerifier:
    return TokenVerifier(issuer=issuer, audience="samla", jwks_url=f"{issuer}/jwks.json", leeway_seconds=5)


async def test_a_valid_token_yields_the_callers_roles_and_scopes(issuer):
    token = await mint(issuer, roles=["network_coordinator", "made_up_role"], networks=["net-vest"])
    principal = await verifier(issuer).verify(token)
    assert principal.subject == "kari"
    assert principal.roles == {Role.NETWORK_COORDINATOR}
    assert principal.reaches_network("net-vest") and not principal.reaches_network("net-nord")


async def test_an_expired_token_is_refused(issuer):
    with pytest.raises(InvalidToken, match="expired"):
        await verifier(issuer).verify(await mint(issuer, expires_in=-120))


async def test_a_token_for_another_audience_is_refused(issuer):
    with pytest.raises(InvalidToken, match="aud"):
        await verifier(issuer).verify(await mint(issuer, audience="someone-else"))


async def test_a_token_signed_by_an_unknown_key_is_refused(issuer):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    now = int(time.time())
    token = jwt.encode({"alg": "RS256", "kid": "stranger"},
                       {"iss": issuer, "aud": "samla", "sub": "eve", "exp": now + 600, "roles": ["platform_admin"]},
                       stranger)
    with pytest.raises(InvalidToken):
        await verifier(issuer).verify(token)


async def test_an_unsigned_token_with_alg_none_is_refused(issuer):
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = part({"alg": "none"}) + "." + part({"iss": issuer, "aud": "samla", "sub": "eve",
                                               "exp": int(time.time()) + 600, "roles": ["platform_admin"]}) + "."
    with pytest.raises(InvalidToken):
        await verifier(issuer).verify(token)
