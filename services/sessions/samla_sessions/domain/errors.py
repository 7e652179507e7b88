"""Why a sessions command was refused. The HTTP layer maps each class to a status code."""

from __future__ import annotations

from typing import Any


class SessionsError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the user."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        # Problem-details extensions: every rule an input broke, not only the first one.
        self.extensions: dict[str, Any] = {"problems": problems} if problems else {}


class NotFound(SessionsError):
    """The cohort, session or participant is unknown here (404)."""


class Conflict(SessionsError):
    """The request is valid but the session's state does not allow it (409)."""


class RuleViolation(SessionsError):
    """The request breaks a rule of sessions, agendas or attendance (422)."""
