"""Why a measures command was refused. The HTTP layer maps each to a status code."""

from __future__ import annotations

from typing import Any


class MeasuresError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the user.

    `extensions` become extra members of the problem-details body (e.g. the missing roles),
    so a client can act on the refusal without parsing the sentence.
    """

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


class NotFound(MeasuresError):
    pass


class Conflict(MeasuresError):
    """The request is valid but the measure's current state does not allow it (409)."""


class RuleViolation(MeasuresError):
    """The request breaks a rule of measures or indicators (422)."""
