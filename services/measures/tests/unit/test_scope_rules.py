"""Who reaches which measures, units and plans, and who sends through a unit's link: the rules the
routes ask, checked without a server."""

from __future__ import annotations

import pytest

from samla_shared.security.access import Grant, Hidden, Reach
from samla_shared.security.principal import Principal, Role
from samla_measures.adapters.ports import PlanReach
from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.measure import Measure, OwnerRole
from samla_measures.domain.unit_input import ItemSource, source_through_link
from samla_measures.service_layer.directory import Placement
from samla_measures.service_layer.scope import (
    check_proposal_place,
    party_roles,
    plan_reach,
    require_unit_effects,
    require_visible,
    scoped_filters,
)


def grant(*reaches: Reach, roles: tuple[Role, ...] = (Role.ORGANISATION_LEADER,), networks: tuple[str, ...] = (),
          organisations: tuple[str, ...] = (), units: tuple[str, ...] = (), person: str = "p-1") -> Grant:
    return Grant(Principal(subject=person, roles=frozenset(roles), network_ids=frozenset(networks),
                           organisation_ids=frozenset(organisations), unit_ids=frozenset(units), person_id=person),
                 frozenset(reaches))


COORDINATOR = grant(Reach.NETWORK, roles=(Role.NETWORK_COORDINATOR,), networks=("net-1", "net-2"))
LEADER = grant(Reach.ORGANISATION, organisations=("org-1",))
UNIT_LEADER = grant(Reach.ORGANISATION, organisations=("org-1",), units=("u-1",))
ADMIN = Grant(Principal(subject="admin", roles=frozenset({Role.PLATFORM_ADMIN})), frozenset({Reach.ALL}))


def test_a_list_is_narrowed_to_the_callers_networks_organisations_and_units():
    assert scoped_filters(ADMIN, "net-9", None, None) == {"network_id": "net-9", "organisation_id": None,
                                                          "unit_id": None}
    assert scoped_filters(COORDINATOR, None, None, None)["network_id"] == ["net-1", "net-2"]
    assert scoped_filters(COORDINATOR, "net-2", None, None)["network_id"] == ["net-2"]
    assert scoped_filters(COORDINATOR, "net-9", None, None) is None  # nothing can match
    assert scoped_filters(LEADER, None, None, None) == {"network_id": None, "organisation_id": ["org-1"],
                                                        "unit_id": None}  # a leader of the whole organisation
    assert scoped_filters(UNIT_LEADER, None, None, None)["unit_id"] == ["u-1"]
    assert scoped_filters(UNIT_LEADER, None, "org-1", "u-2") is None
    assert scoped_filters(LEADER, None, "org-2", None) is None


def test_a_measure_out_of_reach_is_hidden_unless_the_caller_owns_it():
    measure = Measure(id="m-1", network_id="net-3", organisation_id="org-3", unit_ids=["u-3"],
                      owners={"union_representative": "tv-1"})
    require_visible(measure, ADMIN)
    with pytest.raises(Hidden):
        require_visible(measure, LEADER)
    owner = grant(Reach.ORGANISATION, Reach.OWN, roles=(Role.UNION_REPRESENTATIVE,), organisations=("org-1",),
                  person="tv-1")
    require_visible(measure, owner)


def test_a_units_effects_are_for_its_networks_coordinators_and_its_own_leaders():
    require_unit_effects(COORDINATOR, "u-1", "net-1")
    require_unit_effects(UNIT_LEADER, "u-1", None)
    require_unit_effects(ADMIN, "u-9", None)
    with pytest.raises(Hidden):
        require_unit_effects(COORDINATOR, "u-1", "net-9")
    with pytest.raises(Hidden):
        require_unit_effects(LEADER, "u-1", None)  # a token without units names none of them


def test_the_party_roles_of_a_token_and_the_plans_it_reaches():
    both = grant(Reach.ORGANISATION, roles=(Role.UNION_REPRESENTATIVE, Role.SAFETY_REPRESENTATIVE, Role.PARTICIPANT))
    assert party_roles(both) == [OwnerRole.UNION_REPRESENTATIVE, OwnerRole.SAFETY_REPRESENTATIVE]
    assert party_roles(Grant.anonymous()) == []
    assert plan_reach(ADMIN) is None
    assert plan_reach(COORDINATOR) == PlanReach(network_ids=["net-1", "net-2"])
    assert plan_reach(LEADER) == PlanReach(organisation_ids=["org-1"])


class Directory:
    def __init__(self, organisation_network: str | None, units: dict[str, str]) -> None:
        self.known = Placement(organisation_network=organisation_network, unit_organisations=units)

    async def placement(self, organisation_id, unit_ids):
        return self.known


async def test_a_leader_proposes_only_inside_their_organisation_and_its_network():
    await check_proposal_place("net-1", "org-1", ["u-1"], Directory("net-1", {"u-1": "org-1"}), UNIT_LEADER)
    with pytest.raises(Hidden):
        await check_proposal_place("net-1", "org-1", ["u-2"], Directory("net-1", {}), UNIT_LEADER)
    with pytest.raises(RuleViolation):  # the directory places the organisation in another network
        await check_proposal_place("net-2", "org-1", ["u-1"], Directory("net-1", {"u-1": "org-1"}), UNIT_LEADER)
    with pytest.raises(RuleViolation):  # unknown organisation, and the token names no network
        await check_proposal_place("net-1", "org-1", ["u-1"], Directory(None, {}), UNIT_LEADER)
    with_network = grant(Reach.ORGANISATION, organisations=("org-1",), networks=("net-1",))
    await check_proposal_place("net-1", "org-1", ["u-1"], Directory(None, {}), with_network)


def test_the_link_is_a_public_form_signed_in_staff_send_named_anyone_else_anonymously():
    assert source_through_link("p-anna") is ItemSource.STAFF
    assert source_through_link(None) is ItemSource.ANONYMOUS
