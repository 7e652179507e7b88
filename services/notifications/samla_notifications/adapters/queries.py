"""Plain search criteria, as the service layer and the routes state them, in MongoDB's terms."""

from __future__ import annotations

from typing import Any

from samla_notifications.adapters.ports import Criteria


def matching(criteria: Criteria) -> dict[str, Any]:
    """The filter for `criteria`: each field equal to its value, or, given a list, to any of its values."""
    return {field: {"$in": list(value)} if isinstance(value, list | tuple | set | frozenset) else value
            for field, value in criteria.items()}
