"""Each service's /docs works without internet access: Swagger UI comes from the service itself."""

from __future__ import annotations

import importlib
import re
from urllib.parse import urlsplit

import httpx
import pytest

SERVICES = ("enrollment", "sessions", "measures", "notifications")
# Every address the page names: attributes and the spec URL handed to Swagger UI's script.
ADDRESSES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")


def _app(name: str):
    app_module = importlib.import_module(f"samla_{name}.entrypoints.app")
    settings_module = importlib.import_module(f"samla_{name}.settings")
    [settings] = [v for k, v in vars(settings_module).items() if k.endswith("Settings") and k != "ServiceSettings"]
    return app_module.create_app(settings(environment="test"))


@pytest.mark.parametrize("name", SERVICES)
async def test_the_docs_page_names_no_other_host_and_everything_it_loads_answers(name):
    # No token: a reader of the docs need not sign in to see the page (the API still asks for one).
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(name)), base_url="http://service") as client:
        page = await client.get("/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        addresses = [a or b for a, b in ADDRESSES.findall(page.text)]
        assert "//" not in page.text.replace("http://www.w3.org", ""), "the page names an absolute address"
        assert {urlsplit(address).netloc for address in addresses} == {""}, addresses

        loaded = {address: await client.get(address) for address in addresses}
        assert {address: r.status_code for address, r in loaded.items()} == dict.fromkeys(addresses, 200)
        scripts = [a for a in addresses if a.endswith(".js")]
        styles = [a for a in addresses if a.endswith(".css")]
        assert scripts and styles, addresses
        assert all("javascript" in loaded[a].headers["content-type"] and len(loaded[a].content) > 100_000
                   for a in scripts), "Swagger UI's script is not all there"
        assert all(loaded[a].headers["content-type"].startswith("text/css") for a in styles)
        assert "/openapi.json" in addresses and loaded["/openapi.json"].json()["info"]["title"]


async def test_redoc_is_not_offered_since_it_would_load_from_a_cdn():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app("enrollment")),
                                 base_url="http://service") as client:
        assert (await client.get("/redoc")).status_code == 404
