"""Bearer tokens are checked against the issuer's JWKS: signature, issuer, audience, expiry, algorithm,
that they are access tokens (typ at+jwt) and that they live no longer than the maximum lifetime."""

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


def verifier(issuer: str, audience: str = "samla-enrollment") -> TokenVerifier:
    return TokenVerifier(issuer=issuer, audience=audience, jwks_url=f"{issuer}/jwks.json", leeway_seconds=5,
                         max_lifetime_seconds=3600)


def signed(issuer: str, key_dir, header: dict, **claims) -> str:
    """A token signed with the issuer's own key, with a header and claims the test chooses."""
    key = dev_issuer.load_key(key_dir)
    now = int(time.time())
    body = {"iss": issuer, "aud": "samla-enrollment", "sub": "kari", "iat": now, "exp": now + 600,
            "roles": ["platform_admin"], **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid, **header}, body, key)


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
    token = jwt.encode({"alg": "RS256", "kid": "stranger", "typ": "at+jwt"},
                       {"iss": issuer, "aud": "samla-enrollment", "sub": "eve", "iat": now, "exp": now + 600,
                        "roles": ["platform_admin"]},
                       stranger)
    with pytest.raises(InvalidToken):
        await verifier(issuer).verify(token)


async def test_an_unsigned_token_with_alg_none_is_refused(issuer):
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = part({"alg": "none", "typ": "at+jwt"}) + "." + part({"iss": issuer, "aud": "samla-enrollment", "sub": "eve",
                                               "exp": int(time.time()) + 600, "roles": ["platform_admin"]}) + "."
    with pytest.raises(InvalidToken):
        await verifier(issuer).verify(token)


async def test_a_token_for_one_service_is_refused_by_another(issuer):
    token = await mint(issuer, roles=["platform_admin"], audience="samla-sessions")
    assert (await verifier(issuer, "samla-sessions").verify(token)).subject == "kari"
    with pytest.raises(InvalidToken, match="aud"):
        await verifier(issuer, "samla-enrollment").verify(token)


async def test_a_developers_token_names_every_service(issuer):
    token = await mint(issuer, roles=["platform_admin"])
    for audience in dev_issuer.SERVICE_AUDIENCES:
        assert (await verifier(issuer, audience).verify(token)).subject == "kari"


@pytest.mark.parametrize("header", [{"typ": "JWT"}, {}, {"typ": "id+jwt"}])
async def test_only_access_tokens_are_accepted(issuer, tmp_path, header):
    # The same claims as a good token, signed by the issuer's own key: only the type differs.
    with pytest.raises(InvalidToken, match="access token"):
        await verifier(issuer).verify(signed(issuer, tmp_path, header))
    assert (await verifier(issuer).verify(signed(issuer, tmp_path, {"typ": "at+jwt"}))).subject == "kari"
    assert (await verifier(issuer).verify(signed(issuer, tmp_path, {"typ": "application/at+jwt"}))).subject == "kari"


async def test_a_token_living_longer_than_the_maximum_lifetime_is_refused(issuer):
    with pytest.raises(InvalidToken, match="longer than 3600"):
        await verifier(issuer).verify(await mint(issuer, expires_in=30 * 24 * 3600))
    assert (await verifier(issuer).verify(await mint(issuer, expires_in=3600))).subject == "kari"


async def test_a_token_without_an_issue_time_is_refused(issuer, tmp_path):
    token = signed(issuer, tmp_path, {"typ": "at+jwt"}, iat=None)
    with pytest.raises(InvalidToken):
        await verifier(issuer).verify(token)


async def test_registered_clients_get_short_lived_narrow_tokens_for_one_audience(issuer):
    from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable
    from pydantic import SecretStr

    credentials = ClientCredentials(issuer=issuer, client_id="samla-notifications",
                                    client_secret=SecretStr("dev-notifications-secret"), audience="samla-enrollment")
    token = await credentials.token()
    assert await credentials.token() == token  # cached until shortly before it expires
    principal = await verifier(issuer, "samla-enrollment").verify(token)
    assert principal.roles == {Role.CONTACT_READER}
    with pytest.raises(InvalidToken, match="aud"):
        await verifier(issuer, "samla-sessions").verify(token)
    await credentials.close()

    wrong = ClientCredentials(issuer=issuer, client_id="samla-notifications", client_secret=SecretStr("guess"),
                              audience="samla-enrollment")
    with pytest.raises(CredentialsUnavailable):
        await wrong.token()
    await wrong.close()
    elsewhere = ClientCredentials(issuer=issuer, client_id="samla-notifications",
                                  client_secret=SecretStr("dev-notifications-secret"), audience="samla-measures")
    with pytest.raises(CredentialsUnavailable):
        await elsewhere.token()
    await elsewhere.close()
