"""Why an enrollment command was refused. The HTTP layer maps each to a status code."""

from __future__ import annotations

from typing import Any


class EnrollmentError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the user.

    `extensions` become extra members of the problem details, e.g. the id of the
    application a duplicate collided with, so a client can follow up without guessing.
    """

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


class NotFound(EnrollmentError):
    """The id names nothing this service knows (404)."""


class Conflict(EnrollmentError):
    """The request is valid but the current state does not allow it (409)."""


class RuleViolation(EnrollmentError):
    """The request breaks a rule of the programme or cohort (422)."""
