"""The portal's health endpoints, its session cookie's flags and the settings production refuses."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from samla_portal.entrypoints.app import create_app
from samla_portal.settings import PortalSettings


def client_of(settings: PortalSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="https://portal.test")


async def test_ready_when_the_identity_provider_answers_and_503_when_it_does_not(dev_issuer) -> None:
    async with client_of(PortalSettings(environment="test", oidc_issuer=dev_issuer.url)) as portal:
        assert (await portal.get("/health/live")).status_code == 200
        assert (await portal.get("/health/ready")).status_code == 200
    async with client_of(PortalSettings(environment="test", oidc_issuer="http://127.0.0.1:9/dev-issuer",
                                        http_timeout_seconds=2)) as portal:
        unready = await portal.get("/health/ready")
    assert unready.status_code == 503
    assert unready.headers["content-type"] == "application/problem+json"
    assert "identity provider" in unready.json()["detail"]


async def test_the_session_cookie_is_secure_httponly_and_samesite(dev_issuer) -> None:
    async with client_of(PortalSettings(environment="test", oidc_issuer=dev_issuer.url)) as portal:
        page = await portal.get("/")
    cookie = page.headers["set-cookie"].lower()
    assert page.status_code == 200
    assert "samla_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("unsafe", [
    {"session_secret": None},
    {"cookie_secure": False},
    {"oidc_issuer": "https://idp.example/dev-issuer"},
    {"oidc_issuer": "http://idp.example/realms/samla"},
    {"enrollment_client_secret": "dev-portal-secret"},
])
def test_production_refuses_local_shortcuts(unsafe: dict) -> None:
    safe = {"environment": "production", "session_secret": "s" * 40, "public_url": "https://samla.example",
            "oidc_issuer": "https://idp.example/realms/samla", "enrollment_client_secret": "c" * 40}
    PortalSettings(**safe)
    with pytest.raises(ValidationError):
        PortalSettings(**(safe | unsafe))


async def test_sign_in_says_so_when_the_identity_provider_does_not_answer() -> None:
    async with client_of(PortalSettings(environment="test", oidc_issuer="http://127.0.0.1:9/dev-issuer",
                                        http_timeout_seconds=2)) as portal:
        page = await portal.get("/sign-in?next=/", headers={"Accept-Language": "en"})
    assert page.status_code == 503
    assert "A service does not answer" in page.text


async def test_the_portal_reaches_the_provider_inside_the_deployment_and_sends_browsers_to_its_public_address(
        dev_issuer) -> None:
    # As in docker compose: browsers use the issuer's published address, the portal another way in.
    inside = dev_issuer.url.replace("127.0.0.1", "localhost")
    settings = PortalSettings(environment="test", oidc_issuer=dev_issuer.url, oidc_internal_url=inside)
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://portal.test") as portal:
        assert (await portal.get("/health/ready")).status_code == 200
        sign_in = await portal.get("/sign-in?next=/")
    assert sign_in.status_code in (302, 303, 307)
    assert sign_in.headers["location"].startswith(f"{dev_issuer.url}/authorize?")
    metadata = await app.state.identity_provider.load_server_metadata()
    assert metadata["token_endpoint"] == f"{inside}/token" and metadata["jwks_uri"] == f"{inside}/jwks.json"
    assert metadata["issuer"] == dev_issuer.url  # the ID token's `iss` is still checked against it
