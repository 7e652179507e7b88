"""Which agreements wait for a caller, and where a measure may be placed, without infrastructure."""

from __future__ import annotations

import pytest

from samla_measures.domain.errors import RuleViolation
from samla_measures.domain.measure import MeasureStatus, OwnerRole, awaiting_from, check_placement

LEADER, UNION, SAFETY = OwnerRole.LEADER, OwnerRole.UNION_REPRESENTATIVE, OwnerRole.SAFETY_REPRESENTATIVE


def test_a_proposed_measure_waits_for_the_callers_roles_not_yet_agreed_and_not_named_for_another():
    owners = {"union_representative": "tv-1"}
    consents = {"leader": {"person_id": "leder-1"}}
    assert awaiting_from(MeasureStatus.PROPOSED, owners, consents, [UNION, SAFETY], "tv-1") == [UNION, SAFETY]
    assert awaiting_from(MeasureStatus.PROPOSED, owners, consents, [UNION, SAFETY], "tv-2") == [SAFETY]
    assert awaiting_from(MeasureStatus.PROPOSED, owners, consents, [LEADER], "leder-1") == []
    assert awaiting_from(MeasureStatus.ADOPTED, {}, {}, [LEADER, UNION, SAFETY], "anyone") == []


def test_a_measure_stays_inside_its_organisations_network_and_units():
    check_placement(network_id="net-a", organisation_id="org-1", unit_ids=["u1", "u-unknown"],
                    organisation_network="net-a", unit_organisations={"u1": "org-1"})
    check_placement(network_id="net-a", organisation_id="org-new", unit_ids=["u9"],
                    organisation_network=None, unit_organisations={})
    with pytest.raises(RuleViolation) as elsewhere:
        check_placement(network_id="net-b", organisation_id="org-1", unit_ids=["u1"],
                        organisation_network="net-a", unit_organisations={"u1": "org-1"})
    assert "net-a" not in str(elsewhere.value)  # the organisation's real network is not revealed
    with pytest.raises(RuleViolation) as foreign:
        check_placement(network_id="net-a", organisation_id="org-1", unit_ids=["u1", "u2"],
                        organisation_network="net-a", unit_organisations={"u1": "org-1", "u2": "org-2"})
    assert foreign.value.extensions["unit_ids"] == ["u2"]
