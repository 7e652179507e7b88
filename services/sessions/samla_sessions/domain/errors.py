"""Why a sessions command was refused.

NotFound and Conflict are the platform's (samla_shared.errors), mapped to their statuses once
for every service; they are re-exported here so the sessions modules keep importing them from
their own domain. What is the sessions' own: a RuleViolation names every rule an input broke
(`problems`), not only the first one, as a problem-details extension that is there only when
there are problems to name.
"""

from __future__ import annotations

from samla_shared import errors
from samla_shared.errors import Conflict, NotFound


class RuleViolation(errors.RuleViolation):
    """The request breaks a rule of sessions, agendas or attendance (422, as its base)."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message, **({"problems": problems} if problems else {}))


__all__ = ["Conflict", "NotFound", "RuleViolation"]
