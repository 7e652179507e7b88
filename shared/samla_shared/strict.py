"""The one strict base: a model that refuses fields it does not declare.

Request bodies (each service's `entrypoints/schemas.py`), settings values read from JSON and
the published contract (samla_shared.contract.base.ContractModel, which adds immutability)
derive from it, so a misspelt or unexpected field is a 422 or a start-up error, never
silently dropped.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown fields are refused on the way in."""

    model_config = ConfigDict(extra="forbid")
