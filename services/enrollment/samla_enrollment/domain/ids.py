"""Ids enrollment gives what it creates (programmes, cohorts, applications, people, erasures)."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Random, so an id says nothing about what or whom it names, nor when it was made."""
    return uuid.uuid4().hex
