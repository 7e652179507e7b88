"""The development issuer's OIDC code flow: what the portal relies on locally, refused where it must be."""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from asgi_lifespan import LifespanManager
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from samla_portal.entrypoints.app import create_app as create_portal
from samla_portal.settings import PortalSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "infra/local"))
from dev_issuer import Client, pkce_challenge  # noqa: E402

VERIFIER = "a-verifier-of-the-test-that-is-long-enough-for-rfc-7636-0123456789"
REDIRECT = "http://127.0.0.1:9/auth/callback"


async def authorize(client: httpx.AsyncClient, person: str = "participant", **overrides: str) -> httpx.Response:
    form = {"client_id": "samla-portal", "redirect_uri": REDIRECT, "state": "s-1", "nonce": "n-1",
            "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256", "person": person, **overrides}
    return await client.post("/authorize", data=form)


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


async def test_the_discovery_document_keeps_its_keys_and_names_the_code_flow(dev_issuer) -> None:
    async with httpx.AsyncClient(base_url=dev_issuer.url) as client:
        document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["issuer"] == dev_issuer.url and document["jwks_uri"] == f"{dev_issuer.url}/jwks.json"
    assert document["authorization_endpoint"] == f"{dev_issuer.url}/authorize"
    assert document["token_endpoint"] == f"{dev_issuer.url}/token"
    assert document["code_challenge_methods_supported"] == ["S256"]


async def test_the_authorize_page_lists_the_demo_people_and_refuses_a_request_without_pkce(dev_issuer) -> None:
    async with httpx.AsyncClient(base_url=dev_issuer.url) as client:
        page = await client.get("/authorize", params={"response_type": "code", "client_id": "samla-portal",
                                                      "redirect_uri": REDIRECT, "code_challenge": "x",
                                                      "code_challenge_method": "S256"})
        without_pkce = await client.get("/authorize", params={"response_type": "code", "client_id": "samla-portal",
                                                              "redirect_uri": REDIRECT})
    assert page.status_code == 200
    names = re.findall(r'<button type="submit" name="person" value="[^"]+">([^<]+)</button>', page.text)
    assert {"Ingrid Solberg", "Lars Haugen", "Amina Khalid", "Per Moen", "Sofie Lund", "Mette Dahl"} <= set(names)
    assert without_pkce.status_code == 400


async def test_a_code_with_its_verifier_gives_tokens_for_the_person_once(dev_issuer) -> None:
    async with httpx.AsyncClient(base_url=dev_issuer.url) as client:
        code = code_of(await authorize(client, "leader"))
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                    "client_id": "samla-portal", "code_verifier": VERIFIER}
        tokens = await client.post("/token", data=exchange)
        again = await client.post("/token", data=exchange)
        keys = KeySet.import_key_set((await client.get("/jwks.json")).json())
    assert tokens.status_code == 200, tokens.text
    access = jwt.decode(tokens.json()["access_token"], keys).claims
    identity = jwt.decode(tokens.json()["id_token"], keys).claims
    # The portal calls every service with the person's token: it names each service's audience.
    assert (access["aud"], access["sub"], access["roles"]) == (
        ["samla-enrollment", "samla-sessions", "samla-measures", "samla-notifications"], "demo-leader",
        ["organisation_leader"])
    assert (identity["aud"], identity["nonce"], identity["name"]) == ("samla-portal", "n-1", "Lars Haugen")
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_code_with_the_wrong_verifier_or_redirect_is_refused(dev_issuer) -> None:
    async with httpx.AsyncClient(base_url=dev_issuer.url) as client:
        wrong_verifier = await client.post("/token", data={
            "grant_type": "authorization_code", "code": code_of(await authorize(client)), "redirect_uri": REDIRECT,
            "client_id": "samla-portal", "code_verifier": VERIFIER + "x"})
        wrong_redirect = await client.post("/token", data={
            "grant_type": "authorization_code", "code": code_of(await authorize(client)),
            "redirect_uri": "http://127.0.0.1:9/elsewhere", "client_id": "samla-portal", "code_verifier": VERIFIER})
    assert wrong_verifier.status_code == 400 and wrong_verifier.json()["error"] == "invalid_grant"
    assert wrong_redirect.status_code == 400 and wrong_redirect.json()["error"] == "invalid_grant"


async def test_the_mint_api_is_unchanged(dev_issuer) -> None:
    async with httpx.AsyncClient(base_url=dev_issuer.url) as client:
        minted = await client.post("/tokens", json={"subject": "kari", "roles": ["participant"]})
    assert minted.status_code == 200 and minted.json()["token_type"] == "Bearer"


async def test_the_portal_signs_in_as_a_confidential_client_with_a_private_key(dev_issuer) -> None:
    # HelseID's way (private_key_jwt): the portal proves itself at the token endpoint with an assertion
    # signed by its key; the provider, holding only the public key, refuses the code exchange without it.
    key = RSAKey.generate_key(2048, private=True)
    client_id = f"samla-portal-{uuid.uuid4().hex[:6]}"
    dev_issuer.clients[client_id] = Client(secret=None, roles=(), audiences=(),
                                           public_key={**key.as_dict(private=False), "kid": "portal-1"})
    pem = key.as_pem(private=True).decode()
    try:
        assert await signed_in_name(dev_issuer, client_id, oidc_client_key=pem, oidc_client_key_id="portal-1") == \
            "Sofie Lund"
        # The same client without its key: the code exchange is refused and nobody is signed in.
        assert await signed_in_name(dev_issuer, client_id) is None
    finally:
        dev_issuer.clients.pop(client_id, None)


async def signed_in_name(dev_issuer, client_id: str, **settings: str) -> str | None:
    """Sign in through the portal as the demo participant; the name the front page greets, if any."""
    public = "http://127.0.0.1:9"  # never dialled: the portal is driven in process
    app = create_portal(PortalSettings(environment="test", public_url=public, oidc_issuer=dev_issuer.url,
                                       oidc_client_id=client_id, cookie_secure=False, **settings))
    async with LifespanManager(app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=public) as portal, \
            httpx.AsyncClient() as issuer:
        to_provider = await portal.get("/sign-in")
        assert to_provider.status_code == 302, to_provider.text
        asked = {k: v[0] for k, v in parse_qs(urlsplit(to_provider.headers["location"]).query).items()}
        chosen = await issuer.post(f"{dev_issuer.url}/authorize", data={**asked, "person": "participant"})
        assert chosen.status_code == 303, chosen.text
        back = urlsplit(chosen.headers["location"])
        landed = await portal.get(f"{back.path}?{back.query}")
        if landed.status_code != 303:
            return None
        front = await portal.get(landed.headers["location"])
        found = re.search(r"Sofie Lund", front.text)
        return found.group(0) if found else None
