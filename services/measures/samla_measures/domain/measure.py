"""Measure rules, free of I/O: the life cycle, party cooperation and the follow-up rhythm."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

# The three owner roles are part of the public contract (MeasureOwner); the rules use that enum.
from samla_shared.contract.measures import MeasureArea, OwnerRole
from samla_measures.domain.errors import Conflict, RuleViolation

# Dates of measures are local calendar dates (samla_shared.clock.local_today); the rules take "today" as given.


class MeasureStatus(StrEnum):
    PROPOSED = "proposed"
    ADOPTED = "adopted"
    IN_PRACTICE = "in_practice"
    EVALUATED = "evaluated"
    DISCONTINUED = "discontinued"


# Adopted and in practice: the unit is working with the measure and owes follow-ups.
ACTIVE_STATUSES = frozenset({MeasureStatus.ADOPTED, MeasureStatus.IN_PRACTICE})
CLOSED_STATUSES = frozenset({MeasureStatus.EVALUATED, MeasureStatus.DISCONTINUED})



@dataclass(frozen=True)
class Measure:
    """One measure as the use cases and the routes see it: its id (`id`, never the store's `_id`), placement,
    life cycle and what it has gathered. The store maps its documents to and from this record.

    A read of only some fields (a follow-up reads what its rules need) leaves the others at their defaults.
    The parts that grow with the measure's life (indicators, follow-ups, history, agreements, the
    evaluation and discontinuation) keep the stored shape of their entries: the routes map them one to one.
    """

    id: str
    network_id: str = ""
    organisation_id: str = ""
    unit_ids: list[str] = field(default_factory=list)
    title: str = ""
    area: MeasureArea | None = None
    goal: str = ""
    method_id: str | None = None
    programme_id: str | None = None
    cohort_id: str | None = None
    facilitator_id: str | None = None
    start_date: date | None = None
    follow_up_every_weeks: int = 8
    first_follow_up_after_weeks: int | None = None
    session_id: str | None = None
    dialogue_group: int | None = None
    source_item_id: str | None = None
    # Role value -> person id, as named at the proposal or by an agreement.
    owners: dict[str, str] = field(default_factory=dict)
    # Role value -> {"person_id", "agreed_at"}.
    consents: dict[str, dict[str, Any]] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    status: MeasureStatus = MeasureStatus.PROPOSED
    history: list[dict[str, Any]] = field(default_factory=list)
    proposed_by: str | None = None
    adopted_by: str | None = None
    # Everyone who changed the measure, so that an erasure finds the person with one query.
    actors: list[str] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    follow_up_count: int = 0
    adopted_on: date | None = None
    next_follow_up_due: date | None = None
    overdue_announced: bool = False
    evaluation: dict[str, Any] | None = None
    discontinuation: dict[str, Any] | None = None
    # The version read: a write of a change succeeds only if nobody wrote the measure since.
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


ROLE_LABELS = {
    OwnerRole.LEADER: "the responsible leader",
    OwnerRole.UNION_REPRESENTATIVE: "the union representative (tillitsvalgt)",
    OwnerRole.SAFETY_REPRESENTATIVE: "the safety representative (verneombud)",
}


def missing_agreements(consents: Mapping[str, Any]) -> list[OwnerRole]:
    """The owner roles that have not recorded their agreement yet, in a fixed order."""
    return [role for role in OwnerRole if role.value not in consents]


def check_consent(status: MeasureStatus, owners: Mapping[str, str], role: OwnerRole, person_id: str) -> None:
    """A consent is recorded while the measure is proposed, by the person holding that role."""
    if status is not MeasureStatus.PROPOSED:
        raise Conflict(f"the measure is {status.value}; agreements are recorded before adoption")
    named = owners.get(role.value)
    if named is not None and named != person_id:
        raise Conflict(f"{ROLE_LABELS[role]} of this measure is {named}, not {person_id}",
                       role=role.value, owner_id=named)


def awaiting_from(status: MeasureStatus, owners: Mapping[str, str | None], consents: Mapping[str, Any],
                  roles: Iterable[OwnerRole], person_id: str) -> list[OwnerRole]:
    """The caller's roles whose agreement the measure still waits for: not given yet, and the role
    names nobody else (a role named on the measure is that person's to agree)."""
    if status is not MeasureStatus.PROPOSED:
        return []
    return [role for role in OwnerRole if role in set(roles) and role.value not in consents
            and owners.get(role.value) in (None, person_id)]


def check_placement(*, network_id: str, organisation_id: str, unit_ids: Iterable[str],
                    organisation_network: str | None, unit_organisations: Mapping[str, str]) -> None:
    """A measure belongs to one organisation of one network, and each unit to that organisation.

    What the directory does not know yet (None / missing) is not checked here; the caller's
    token decides that part (see the proposal route).
    """
    if organisation_network is not None and organisation_network != network_id:
        # The other network is not named: which network an organisation belongs to is not the caller's business.
        raise RuleViolation(f"organisation {organisation_id} is not a member of network {network_id}",
                            organisation_id=organisation_id, network_id=network_id)
    foreign = sorted(u for u in unit_ids if u in unit_organisations and unit_organisations[u] != organisation_id)
    if foreign:
        raise RuleViolation(f"not units of organisation {organisation_id}: {', '.join(foreign)}",
                            unit_ids=foreign, organisation_id=organisation_id)


def check_adoption(status: MeasureStatus, consents: Mapping[str, Any]) -> None:
    """Adoption needs a proposed measure that all three parties have agreed to."""
    if status is not MeasureStatus.PROPOSED:
        raise Conflict(f"the measure is {status.value}; only a proposed measure can be adopted")
    missing = missing_agreements(consents)
    if missing:
        raise Conflict(
            "the measure cannot be adopted before all three parties agree; still missing: "
            + ", ".join(ROLE_LABELS[role] for role in missing),
            missing_roles=[role.value for role in missing],
        )


def first_follow_up_due(*, adopted_on: date, every_weeks: int, first_after_weeks: int | None,
                        first_on: date | None) -> date:
    """When the first follow-up is due: an explicit date, or a number of weeks after adoption.

    The first follow-up may come later than the regular rhythm (seed 004: a follow-up day a
    couple of months after the start), so it has its own optional distance.
    """
    if first_on is not None:
        if first_on <= adopted_on:
            raise RuleViolation("the first follow-up must come after the adoption date")
        return first_on
    return adopted_on + timedelta(weeks=first_after_weeks or every_weeks)


def next_follow_up_due(*, held_on: date, every_weeks: int, next_on: date | None) -> date:
    if next_on is not None:
        if next_on <= held_on:
            raise RuleViolation("the next follow-up must come after this one")
        return next_on
    return held_on + timedelta(weeks=every_weeks)


def check_not_future(day: date, today: date, what: str) -> None:
    if day > today:
        raise RuleViolation(f"{what} ({day.isoformat()}) is in the future; today is {today.isoformat()}")


def check_follow_up_allowed(status: MeasureStatus, *, adopted_on: date | None, held_on: date, today: date) -> None:
    if status not in ACTIVE_STATUSES:
        raise Conflict(f"the measure is {status.value}; follow-ups are recorded for adopted measures")
    check_not_future(held_on, today, "the follow-up date")
    if adopted_on is not None and held_on < adopted_on:
        raise RuleViolation(f"the follow-up date is before the adoption on {adopted_on.isoformat()}")


def status_after_follow_up(status: MeasureStatus, in_practice: bool) -> MeasureStatus:
    """A follow-up says whether the measure is in practice; the status follows what it says.

    A measure reported as no longer practised goes back to adopted rather than staying
    "in practice" on paper: coordinators rely on the status to see where work is real.
    """
    return MeasureStatus.IN_PRACTICE if in_practice else MeasureStatus.ADOPTED


def check_evaluation_allowed(status: MeasureStatus, *, adopted_on: date | None, evaluated_on: date,
                             today: date) -> None:
    if status not in ACTIVE_STATUSES:
        raise Conflict(f"the measure is {status.value}; only an adopted measure can be evaluated")
    check_not_future(evaluated_on, today, "the evaluation date")
    if adopted_on is not None and evaluated_on < adopted_on:
        raise RuleViolation(f"the evaluation date is before the adoption on {adopted_on.isoformat()}")


def check_discontinuation_allowed(status: MeasureStatus) -> None:
    if status in CLOSED_STATUSES:
        raise Conflict(f"the measure is already {status.value}")


def is_overdue(status: MeasureStatus, next_due: date | None, today: date) -> bool:
    """A follow-up is overdue once its due date has passed without one being recorded."""
    return status in ACTIVE_STATUSES and next_due is not None and today > next_due
