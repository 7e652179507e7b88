"""What a refused or incomplete form says back: one entry per problem, tied to a field where it names one.

Each entry is {"field": the form field or None, "message": a key the error summary words in the
reader's language, or None, "detail": the service's own words}; templates/_errors.html shows them.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from samla_portal.adapters.samla_api import ApiRefused

T = TypeVar("T")
Errors = list[dict[str, Any]]


def missing(form: dict[str, str], names: list[str]) -> list[dict[str, str | None]]:
    return [{"field": name, "message": "required"} for name in names if not form.get(name)]


async def attempted(call: Awaitable[T], refusals: tuple[int, ...] = (409, 422)) -> tuple[T | None, Errors]:
    """A form's call to a service: its answer and no errors, or, where the service refused the form
    (a conflict or invalid input), no answer and the reasons to show at the fields. Any other refusal
    (403, 404, a service that does not answer) goes on to the app's error page."""
    try:
        return await call, []
    except ApiRefused as refused:
        if refused.status not in refusals:
            raise
        return None, field_errors(refused)


def field_errors(refused: ApiRefused) -> list[dict[str, str | None]]:
    """The service's reasons, tied to the form's fields where the problem names one."""
    if not refused.errors:
        return [{"field": None, "message": None, "detail": refused.detail or refused.title}]
    found = []
    for error in refused.errors:
        location = str(error.get("location") or ".".join(str(p) for p in error.get("loc", [])))
        field = {"manager.email": "manager_email", "manager.name": "manager_name"}.get(
            location.removeprefix("body."), location.rsplit(".", 1)[-1] or None)
        found.append({"field": field, "message": _message_of(str(error.get("type") or ""), field),
                      "detail": str(error.get("message") or error.get("msg"))})
    return found


# The service's reasons are in English; the commonest get a message key that the page words in the
# reader's language (templates/_errors.html), the rest show the service's own words.
_TYPES = {"missing": "required", "string_too_short": "required", "string_too_long": "too_long"}


def _message_of(kind: str, field: str | None) -> str | None:
    if kind == "value_error" and field and field.endswith("email"):
        return "invalid_email"  # pydantic's EmailStr refusal
    return _TYPES.get(kind)
