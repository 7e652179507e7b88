"""RFC 9457 problem details for every error a service returns.

Handlers never leak stack traces: unexpected errors become a plain 500 problem, and a
database that cannot be reached becomes a 503 so clients know to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import ConnectionFailure
from starlette.exceptions import HTTPException as StarletteHTTPException

from samla_shared.errors import Conflict, NotFound, RuleViolation
from samla_shared.persistence.writer_election import NoLongerWriter
from samla_shared.security.access import Hidden

log = logging.getLogger("samla.http")

PROBLEM_JSON = "application/problem+json"

# The refusals of every service's domain (samla_shared.errors) and their statuses, mapped here
# once; a subclass a service defines (e.g. sessions' RuleViolation with its `problems`) is
# answered by its base's handler.
DOMAIN_ERROR_STATUSES: Mapping[type[Exception], int] = {NotFound: 404, Conflict: 409, RuleViolation: 422}


def problem(status: int, title: str, detail: str | None = None, *, headers: Mapping[str, str] | None = None,
            **extensions: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    sent = {"Retry-After": "5"} if status == 503 else {}
    sent.update(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=sent or None)


def install_problem_handlers(app: FastAPI, domain_errors: Mapping[type[Exception], int] = {}) -> None:
    """Map validation, HTTP, domain and infrastructure errors to problem details.

    The shared refusals are mapped by DOMAIN_ERROR_STATUSES; `domain_errors` adds a service's
    own exception classes and their status codes (e.g. sessions' PeopleUnavailable → 503),
    keeping HTTP out of the domain layer.
    """

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem(422, "Invalid request", "The request does not match the expected schema.", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Keeps WWW-Authenticate (401) and Retry-After (429) that the raiser set.
        return problem(exc.status_code, _title(exc.status_code), str(exc.detail) if exc.detail else None,
                       headers=exc.headers)

    @app.exception_handler(Hidden)
    async def _hidden(_: Request, exc: Hidden) -> JSONResponse:
        return problem(404, "Not found", str(exc))

    @app.exception_handler(ConnectionFailure)
    async def _database_down(_: Request, exc: ConnectionFailure) -> JSONResponse:
        log.warning("database unavailable: %s", exc)
        return problem(503, "Service unavailable", "The database cannot be reached; nothing was changed. Retry later.")

    @app.exception_handler(NoLongerWriter)
    async def _deposed(_: Request, exc: NoLongerWriter) -> JSONResponse:
        return problem(503, "Service unavailable", str(exc))

    for error_class, status in {**DOMAIN_ERROR_STATUSES, **domain_errors}.items():

        async def _domain(_: Request, exc: Exception, status: int = status) -> JSONResponse:
            return problem(status, _title(status), str(exc), **getattr(exc, "extensions", {}))

        app.add_exception_handler(error_class, _domain)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal error", "The request failed; the error has been logged.")


def _title(status: int) -> str:
    return {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid request",
        429: "Too many requests",
        503: "Service unavailable",
    }.get(status, "Error")
