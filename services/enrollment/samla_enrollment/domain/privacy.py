"""What counts as personal data in enrollment, and the rules for erasing and expiring it.

Person ids are random and mean nothing outside Samla; what ties one to a human is the
`people` document (name, e-mail, phone, language) and the free text of applications.
Erasure removes both; retention removes the free text of applications once their cohort
has been completed for longer than the retention period. Ids, statuses and dates stay,
so seat counts, waitlist history and statistics remain true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

# Written by or about the applicant in their own words.
APPLICATION_FREE_TEXT = ("role", "education", "experience", "motivation")
# The network an erasure is announced in when enrollment knew the person from no network.
PLATFORM_NETWORK = "platform"
COMPLETED = "completed"


def anonymised_application(erased_at: datetime, *, reason: str) -> dict[str, Any]:
    """The `$set` that strips an application of its free text; ids, status and dates stay."""
    return {**{field: None for field in APPLICATION_FREE_TEXT}, "anonymised_at": erased_at,
            "anonymised_because": reason}


def history_without_reasons(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An application's history with the free-text reasons dropped (they may name the applicant)."""
    return [dict(entry) | {"reason": None} for entry in history]


def erasure_networks(found: Iterable[str]) -> list[str]:
    """The networks an erasure is announced in: every network the person appeared in, or the platform."""
    return sorted(set(found)) or [PLATFORM_NETWORK]


def completed_at(audit: Iterable[Mapping[str, Any]]) -> datetime | None:
    """When a cohort was last set to completed, from its audit trail (None if it never was)."""
    times = [entry["at"] for entry in audit if entry.get("to") == COMPLETED]
    return max(times) if times else None


def retention_expired(*, completed: datetime | None, now: datetime, retention: timedelta) -> bool:
    return completed is not None and completed <= now - retention
