"""Who acted on a record. Measures, plans, series and staff input keep the ids of everyone who changed
them in `actors`, so an erasure finds the person with one query and gives each place the pseudonym."""

from __future__ import annotations

from typing import Any


def with_actor(actors: list[str] | None, by: str | None) -> dict[str, list[str]]:
    """The change that adds `by` to `actors` once, in the order they first acted (nothing if known or None)."""
    known = list(actors or [])
    return {} if by is None or by in known else {"actors": [*known, by]}


def renamed(values: list[Any] | None, person_id: str, alias: str) -> list[Any]:
    """`values` with the person's id replaced by the alias wherever it stands."""
    return [alias if v == person_id else v for v in values or []]
