"""Hardening every service gets: body size limit, paging caps, strict models, headers, CORS, no stack traces."""

from __future__ import annotations

import importlib
import uuid

import httpx
import pytest

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings

SERVICES = ("enrollment", "sessions", "measures", "notifications")
# Lists without paging, bounded by the resource they belong to.
BOUNDED_BY_PARENT = {
    "GET /cohorts/{cohort_id}/sessions",             # a cohort's gatherings (a handful)
    "GET /sessions/{session_id}/agenda",             # one day's programme items
    "GET /measures/{measure_id}/indicators",         # at most 20 per measure (MeasureCreate)
    "GET /measures/{measure_id}/follow-ups",         # a measure's follow-ups, every few weeks
    "GET /cohorts/{cohort_id}/history",              # a cohort's capacity and status changes
    "GET /units/{unit_id}/series",                   # one series per indicator kind (five), each capped at 120 months
}
MAX_PAGE = 200


def _openapi(name: str) -> dict:
    app_module = importlib.import_module(f"samla_{name}.entrypoints.app")
    settings_module = importlib.import_module(f"samla_{name}.settings")
    [settings] = [v for k, v in vars(settings_module).items() if k.endswith("Settings") and k != "ServiceSettings"]
    return app_module.create_app(settings(environment="test")).openapi()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize("name", SERVICES)
def test_every_list_endpoint_caps_its_page_size(name):
    spec = _openapi(name)
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        content = get["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if _resolve(spec, content.get("schema", {})).get("type") != "array" or f"GET {path}" in BOUNDED_BY_PARENT:
            continue
        limits = [p for p in get.get("parameters", []) if p["name"] == "limit"]
        assert limits, f"GET {path} returns a list without a limit"
        assert 0 < limits[0]["schema"]["maximum"] <= MAX_PAGE, f"GET {path} lets a page grow past {MAX_PAGE}"


def _objects(spec: dict, schema: dict, seen: set[str]) -> list[tuple[str, dict]]:
    """Every object schema reachable from `schema`, with its name."""
    found = []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        resolved = spec["components"]["schemas"][name]
        if resolved.get("type") == "object":
            found.append((name, resolved))
        return found + _objects(spec, resolved, seen)
    for key in ("properties",):
        for child in schema.get(key, {}).values():
            found += _objects(spec, child, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            found += _objects(spec, schema[key], seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for child in schema.get(key, []):
            found += _objects(spec, child, seen)
    return found


@pytest.mark.parametrize("name", SERVICES)
def test_every_request_model_refuses_unknown_fields(name):
    spec = _openapi(name)
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            for model, schema in _objects(spec, body.get("schema", {}), set()):
                checked += 1
                assert schema.get("additionalProperties") is False, f"{method.upper()} {path}: {model} takes any field"
    assert checked, "no request bodies found: the walk is broken"


@pytest.fixture
async def enrollment(service):
    async with service(create_enrollment, EnrollmentSettings, max_body_bytes=4096,
                       cors_origins=["https://samla.example.no"]) as client:
        yield client


def _programme(description: str = "") -> dict:
    return {"code": "KULT", "title": "Kultur", "network_id": f"net-{uuid.uuid4().hex[:6]}", "description": description}


async def test_bodies_over_the_limit_are_refused_declared_or_streamed(enrollment):
    large = _programme("x" * 4500)
    declared = await enrollment.post("/programmes", json=large)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    async def chunks():
        for _ in range(10):
            yield b" " * 1000
    streamed = await enrollment.post("/programmes", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert (await enrollment.post("/programmes", json=_programme("small"))).status_code == 201


async def test_pages_larger_than_the_cap_and_unknown_fields_are_refused(enrollment):
    assert (await enrollment.get("/programmes", params={"limit": MAX_PAGE})).status_code == 200
    assert (await enrollment.get("/programmes", params={"limit": MAX_PAGE + 1})).status_code == 422
    unknown = await enrollment.post("/programmes", json=_programme() | {"is_admin": True})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["type"] == "extra_forbidden"


async def test_responses_carry_security_headers(enrollment):
    response = await enrollment.get("/programmes")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # production only
    docs = await enrollment.get("/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers  # it loads its script


async def test_cors_admits_only_the_configured_origins(enrollment):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    allowed = await enrollment.options("/programmes", headers={"Origin": "https://samla.example.no", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://samla.example.no"
    refused = await enrollment.options("/programmes", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in refused.headers
    simple = await enrollment.get("/programmes", headers={"Origin": "https://samla.example.no"})
    assert simple.headers["access-control-allow-origin"] == "https://samla.example.no"


async def test_an_internal_error_answers_a_plain_problem_without_the_stack_trace(enrollment):
    app = enrollment._transport.app  # type: ignore[attr-defined]

    async def broken(**_: object) -> list:
        raise RuntimeError("connection string mongodb://samla:hunter2@db-7/ refused")

    app.state.enrollment.programmes = broken
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                               base_url="http://enrollment", headers=enrollment.headers)
    response = await client.get("/programmes")
    assert response.status_code == 500
    assert response.json() == {"type": "about:blank", "title": "Internal error", "status": 500,
                               "detail": "The request failed; the error has been logged."}
    for leak in ("Traceback", "hunter2", "RuntimeError", "handlers.py"):
        assert leak not in response.text
