"""What a refused or incomplete form says back: one entry per problem, tied to a field where it names one.

Each entry is {"field": the form field or None, "message": a key the error summary words in the
reader's language, or None, "detail": the service's own words}; templates/_errors.html shows them.
"""

from __future__ import annotations

from samla_portal.adapters.samla_api import ApiRefused


def missing(form: dict[str, str], names: list[str]) -> list[dict[str, str | None]]:
    return [{"field": name, "message": "required"} for name in names if not form.get(name)]


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
