"""Who reaches which measures and plans, from the caller's grant (their token's roles and scopes).

The routes ask these rules; keeping them here (not in the HTTP layer) lets the use-case tests
check them without a server. Out of reach looks like unknown: 404, never 403.
"""

from __future__ import annotations

from samla_shared.security.access import Grant, Hidden, Reach
from samla_shared.security.principal import Role
from samla_measures.adapters.ports import PlanReach
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.measure import Measure, OwnerRole, check_placement
from samla_measures.service_layer.directory import Directory

# The token roles that are parties to a measure, and the owner role each agrees as.
PARTY_ROLES = {Role.ORGANISATION_LEADER: OwnerRole.LEADER, Role.UNION_REPRESENTATIVE: OwnerRole.UNION_REPRESENTATIVE,
               Role.SAFETY_REPRESENTATIVE: OwnerRole.SAFETY_REPRESENTATIVE}


def party_roles(access: Grant) -> list[OwnerRole]:
    p = access.principal
    return [] if p is None else [owner for role, owner in PARTY_ROLES.items() if role in p.roles]


def require_visible(measure: Measure, access: Grant) -> None:
    """Hidden (404) unless the caller reaches the measure's network, organisation, units or owners."""
    if access.unrestricted:
        return
    access.require(f"measure {measure.id}", network_id=measure.network_id,
                   organisation_id=measure.organisation_id, unit_ids=measure.unit_ids,
                   person_ids=[p for p in measure.owners.values() if p])


def scoped_filters(access: Grant, network_id: str | None, organisation_id: str | None,
                   unit_id: str | None) -> dict[str, str | list[str] | None] | None:
    """The list filters (network, organisation, unit: one id or a list) within the caller's scope;
    None when nothing can match."""
    wanted: dict[str, str | list[str] | None] = {"network_id": network_id, "organisation_id": organisation_id,
                                                 "unit_id": unit_id}
    p = access.principal
    if access.unrestricted or p is None:
        return wanted
    if Reach.NETWORK in access.reaches:
        wanted["network_id"] = access.networks(network_id)
        return None if wanted["network_id"] == [] else wanted
    for key, mine in (("organisation_id", p.organisation_ids), ("unit_id", p.unit_ids)):
        if not mine and key == "unit_id":
            continue  # a leader of the whole organisation
        given = wanted[key]
        if given is not None and given not in mine:
            return None
        wanted[key] = given if given is not None else sorted(mine)
    return wanted


def plan_reach(access: Grant) -> PlanReach | None:
    """The networks and organisations whose plans the caller sees; None: every plan."""
    p = access.principal
    if access.unrestricted or p is None:
        return None
    return PlanReach(network_ids=sorted(p.network_ids) if Reach.NETWORK in access.reaches else None,
                     organisation_ids=sorted(p.organisation_ids) if Reach.ORGANISATION in access.reaches else None)


async def check_proposal_place(network_id: str, organisation_id: str, unit_ids: list[str], directory: Directory,
                               access: Grant) -> None:
    """A leader proposes only for their own organisation and units, inside that organisation's network.

    Outside the token's organisation or units answers 404 (as for any resource out of reach);
    a network the directory does not place the organisation in, or a unit of another
    organisation, answers 422. While the directory does not know the organisation yet, the
    token's `networks` decide: a leader whose token names no network cannot propose for it
    until enrollment has registered the organisation. A coordinator's network comes from the
    token; the directory still checks the organisation and units it names. The platform admin
    is not checked against the directory (a repair tool, like its other unrestricted routes).
    """
    p = access.principal
    if access.unrestricted or p is None:
        return
    by_network = Reach.NETWORK in access.reaches and network_id in p.network_ids
    by_organisation = (Reach.ORGANISATION in access.reaches and organisation_id in p.organisation_ids
                       and (not p.unit_ids or set(unit_ids) <= p.unit_ids))
    if not (by_network or by_organisation):
        raise Hidden(f"no organisation {organisation_id} with units {', '.join(unit_ids)} "
                     "in the caller's network, organisation or units")
    placement = await directory.placement(organisation_id, unit_ids)
    check_placement(network_id=network_id, organisation_id=organisation_id, unit_ids=unit_ids,
                    organisation_network=placement.organisation_network,
                    unit_organisations=placement.unit_organisations)
    if not by_network and placement.organisation_network is None and network_id not in p.network_ids:
        raise RuleViolation(
            f"the directory does not know organisation {organisation_id} yet, so its network cannot be "
            f"checked, and the caller's token does not name network {network_id}; try again once the "
            "organisation is registered", organisation_id=organisation_id, network_id=network_id)


def require_unit_effects(access: Grant, unit_id: str, network_id: str | None) -> None:
    """A unit's effects: for coordinators of the network asked for, and for the unit's own leaders and
    representatives (their token names the unit); Hidden (404) for anyone else."""
    p = access.principal
    if not access.unrestricted and p is not None:
        by_network = Reach.NETWORK in access.reaches and network_id in p.network_ids
        by_unit = Reach.ORGANISATION in access.reaches and unit_id in p.unit_ids
        if not (by_network or by_unit):
            raise Hidden(f"no unit {unit_id}")
