"""Why a command was refused: the refusals every service's domain raises.

Plain Python (no HTTP, no framework): the domain raises them, and the HTTP layer maps each to
its status once, for every service (samla_shared.http.problems: NotFound 404, Conflict 409,
RuleViolation 422). A service's own `domain/errors.py` adds only what is its own.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the user.

    `extensions` become extra members of the problem-details body (e.g. the id of the
    application a duplicate collided with, or the missing roles), so a client can act on the
    refusal without parsing the sentence.
    """

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = extensions


class NotFound(DomainError):
    """The id names nothing this service knows (404)."""


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (409)."""


class RuleViolation(DomainError):
    """The request breaks a rule of the domain (422)."""
