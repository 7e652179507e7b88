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
        found.append({"field": field, "message": None, "detail": str(error.get("message") or error.get("msg"))})
    return found
