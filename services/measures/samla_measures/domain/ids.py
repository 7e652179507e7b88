"""Ids measures gives what it creates (measures, indicators, follow-ups, plans, toolbox methods, input links)."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Random, so an id says nothing about what or whom it names, nor when it was made."""
    return uuid.uuid4().hex
