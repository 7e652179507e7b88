"""The interactive API docs (/docs) served from the service itself, so they work offline.

FastAPI's own /docs page loads Swagger UI's script and styles from a CDN: on a ward's
network without internet access, or behind a proxy that blocks it, the page stays blank.
Here the same page takes them from Swagger UI's files that the PyPI package
swagger-ui-bundle-v2 installs (pinned in constraints.txt), under /docs/assets/.

The app must be built with `docs_url=None` and `redoc_url=None` (ReDoc ships no local
copy). The routes are plain Starlette routes, like FastAPI's own docs routes: outside the
OpenAPI document and the authoriser, since they hold no data (FRAMEWORK_ENDPOINTS).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"


class _Assets(StaticFiles):
    """Swagger UI's files; a browser may keep them a day (they change only with the pinned package)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=86400"
        return response


def install_offline_docs(app: FastAPI) -> None:
    """Serve /docs (Swagger UI over the app's /openapi.json) and its assets from this process."""
    assets = Path(str(swagger_ui_path))
    app.mount(ASSETS_PATH, _Assets(directory=assets), name="swagger-ui-assets")

    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} · API",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_PATH}",
        )

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route(DOCS_PATH, docs, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_PATH, oauth2_redirect, include_in_schema=False)
