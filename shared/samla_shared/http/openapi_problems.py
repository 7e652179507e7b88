"""Documents the RFC 9457 problem details every error answer carries, in each service's OpenAPI.

`install_problem_handlers` answers every 4xx/5xx as `application/problem+json`; FastAPI's
generated document would instead promise its own `422: application/json` body and leave
404/409 without a body. This rewrites each operation's error responses to the one
`Problem` schema, so integrators (and schemathesis) see what is really sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from samla_shared.http.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Members beyond these may be added for a particular problem.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A URI reference naming the problem type; `about:blank` "
                                                  "when the status code says it all."},
        "title": {"type": "string", "description": "Short, human-readable summary of the problem type."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong with this request."},
        "instance": {"type": "string"},
        "errors": {
            "type": "array", "description": "422 for a request that does not match the schema: one entry per mistake.",
            "items": {"type": "object", "required": ["location", "message"], "properties": {
                "location": {"type": "string", "description": "Dotted path, e.g. `body.participant.email`."},
                "message": {"type": "string"},
                "type": {"type": ["string", "null"]},
            }},
        },
        "reasons": {"type": "array", "items": {"type": "string"}, "description": "503 from /health/ready."},
    },
    "additionalProperties": True,
}

DEFAULT_DESCRIPTIONS = {
    "404": "Unknown id (problem details)",
    "409": "The current state does not allow it; the detail says why",
    "422": "The request does not match the schema, or breaks a rule; the detail says why",
    "503": "The database or broker cannot be reached; nothing was changed. Retry after `Retry-After` seconds",
}
# Operational endpoints that never touch the database.
NO_DATABASE = {"/health/live", "/metrics", "/asyncapi.json"}


def document_problem_responses(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        _rewrite(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _rewrite(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if path not in NO_DATABASE:
                responses.setdefault("503", {})
            for status, response in responses.items():
                if status[0] in "45":
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = DEFAULT_DESCRIPTIONS["422"]
                    response.setdefault("description", DEFAULT_DESCRIPTIONS.get(status, "Problem details"))
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    text = repr(schema.get("paths"))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}'" not in text:
            components.pop(unused, None)
