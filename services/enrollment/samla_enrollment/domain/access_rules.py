"""Which applications a caller reaches and which decisions are theirs: the rules behind enrollment's scoping.

The HTTP layer knows the token (`samla_shared.security.access.Grant`: roles, reaches, the
networks, organisations and units it names) and answers the one question only it can —
is the application inside the token's scope? Everything else is decided here from plain
facts: who the caller is as a person (`person_ids`: their own record and the records a
form registered for the same address before they signed in), and what their roles allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.approvals import holds_step, next_holders


@dataclass(frozen=True)
class PersonalReach:
    """How far a caller outside an application's scope may still reach it as a person."""

    own: bool = False       # their own applications (as the applicant)
    managed: bool = False   # applications naming them as the manager
    leader: bool = False    # an organisation leader: the applications naming them as the manager too

    @property
    def any(self) -> bool:
        return self.own or self.managed or self.leader


def registers_for_others(*, is_admin: bool, coordinates_networks: bool) -> bool:
    """A platform admin, or a coordinator in their networks, may register a form for someone else (a paper form);
    everyone else acts as the person the token names."""
    return is_admin or coordinates_networks


def named_in_chain(application: Mapping[str, Any]) -> set[str]:
    """The people an application's approval chain names (approvers and deputies of every step)."""
    return {person for step in application.get("approval_steps") or [] for person in next_holders(step)}


def needs_person(application: Mapping[str, Any], reach: PersonalReach) -> bool:
    """Whether reaching the application as a person can succeed at all (else the caller's person is not needed)."""
    return bool(application.get("approval_steps")) or reach.any


def reaches_as_person(application: Mapping[str, Any], person_ids: Iterable[str], reach: PersonalReach) -> bool:
    """Outside the token's scope: the people an approval chain names read what they are to decide; the applicant
    reads their own (with `own`), the named manager what names them (with `managed`, or as a leader)."""
    mine = set(person_ids)
    if named_in_chain(application) & mine:
        return True
    return ((reach.own and application["participant_id"] in mine)
            or ((reach.leader or reach.managed) and application["manager_id"] in mine))


def leads_application(application: Mapping[str, Any], person_ids: Iterable[str], *, is_leader: bool,
                      in_scope: bool) -> bool:
    """An organisation leader decides the leader step of applications in their organisation or units, and of those
    naming them as the manager (being merely named elsewhere in the chain is not enough)."""
    return is_leader and (in_scope or application["manager_id"] in set(person_ids))


def in_leader_inbox(application: Mapping[str, Any], person_ids: Iterable[str], *, in_scope: bool) -> bool:
    """A leader's inbox shows the applications naming them as the manager and those of their units."""
    return application["manager_id"] in set(person_ids) or in_scope


def awaits_decision_of(status: str, current_step: int | None, steps: Sequence[Mapping[str, Any]],
                       person_ids: Iterable[str]) -> bool:
    """Awaiting *this leader's* decision: at the leader step of its chain (the first, or the only one), or at a
    step naming them. `current_step` counts from 1."""
    if status != ApplicationStatus.AWAITING_MANAGER_APPROVAL.value:
        return False
    return (current_step or 1) == 1 or holds_step(steps[current_step - 1], person_ids, reaches_as_leader=False)


def readable_contacts(wanted: Sequence[str], person_ids: Iterable[str]) -> list[str]:
    """A person reads their own contact details only (a contact-reader client reads anyone's)."""
    mine = set(person_ids)
    return [person_id for person_id in wanted if person_id in mine]
