"""What an erased person becomes in the services that keep their id: one pseudonym for all.

Enrollment announces ParticipantErased with an erasure id; sessions, measures and notifications
each replace the person's id with `erased:<erasure id>` where a record must stay (attendance,
a measure's roles, a delivery statistic). The same pseudonym everywhere keeps records of one
erased person together across services, and says nothing about who they were.
"""

from __future__ import annotations


def pseudonym(erasure_id: str) -> str:
    """The id an erased person is replaced by, from the erasure that removed them."""
    return f"erased:{erasure_id}"
