"""Directory rules: networks, their member organisations, and the organisations' units.

Names of networks, organisations and units are not personal data: they travel in events
and every list that shows an id can show its name. An entry is renamed, never deleted:
programmes, cohorts and applications refer to it for years.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samla_enrollment.domain.errors import RuleViolation

# The public register number's length per country: Enhetsregisteret (NO), CVR (DK).
ORGANISATION_NUMBER_DIGITS = {"NO": 9, "DK": 8}


def check_organisation_number(number: str | None, *, country: str) -> None:
    if number is None:
        return
    digits = ORGANISATION_NUMBER_DIGITS[country]
    if not (number.isdigit() and len(number) == digits):
        register = "Enhetsregisteret" if country == "NO" else "CVR"
        raise RuleViolation(f"an organisation number in {country} has {digits} digits ({register}); "
                            f"{number!r} does not")


def changed(entry: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The requested changes that differ from the entry (empty: nothing to do, nothing announced)."""
    return {name: value for name, value in changes.items() if entry.get(name) != value}
