"""Transfer rules: where a waitlisted or enrolled participant may be moved, and which cohort a deferral picks.

A transfer keeps the application — its approvals and its history — and moves it to another
cohort of the same programme; a deferral moves it to the next cohort that opens. Neither
moves anyone into a cohort that has started (they would join after the mandatory kickoff)
or one that is completed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from samla_enrollment.domain.errors import Conflict, RuleViolation


def check_target(source: Mapping[str, Any], target: Mapping[str, Any], *, target_started: bool) -> None:
    if target["_id"] == source["_id"]:
        raise Conflict("the application is already in this cohort")
    if target["programme_id"] != source["programme_id"]:
        raise RuleViolation("a participant is moved only between cohorts of the same programme")
    if target_started:
        raise Conflict(f"cohort {target['_id']} has started; nobody joins it after the kickoff")


def next_cohort(source: Mapping[str, Any], candidates: Sequence[Mapping[str, Any]],
                started: Sequence[bool]) -> Mapping[str, Any]:
    """The cohort of the same programme whose applications open next after the source's, not yet started."""
    later = sorted((c for c, has_started in zip(candidates, started, strict=True)
                    if c["_id"] != source["_id"] and not has_started
                    and c["applications_open_at"] > source["applications_open_at"]),
                   key=lambda c: (c["applications_open_at"], c["_id"]))
    if not later:
        raise Conflict("no later cohort of this programme is announced yet; announce it first, then defer")
    return later[0]
