"""Why an enrollment command was refused.

The refusals are the platform's (samla_shared.errors), mapped to their statuses once for every
service (404/409/422). They are re-exported here so the enrollment modules keep importing them
from their own domain.
"""

from __future__ import annotations

from samla_shared.errors import Conflict, NotFound, RuleViolation

__all__ = ["Conflict", "NotFound", "RuleViolation"]
