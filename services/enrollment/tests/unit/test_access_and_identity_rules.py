"""Who reaches an application as a person, which decisions are a leader's, and what a form may change."""

from __future__ import annotations

import pytest

from samla_enrollment.domain.access_rules import (
    PersonalReach,
    awaits_decision_of,
    in_leader_inbox,
    leads_application,
    named_in_chain,
    needs_person,
    reaches_as_person,
    readable_contacts,
    registers_for_others,
)
from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.identity import (
    Contact,
    as_signed_in,
    claim_changes,
    hidden_from_anonymous,
    own_changes,
    proposed_change,
    require_named,
    settled_changes,
    takes_anonymous_applications,
)

LEADER = {"kind": "leader", "approver_ids": [], "deputy_ids": ["leader-deputy"]}
HR = {"kind": "hr", "approver_ids": ["hanne"], "deputy_ids": ["per"]}
APPLICATION = {"participant_id": "ola", "manager_id": "lise", "approval_steps": None}
CHAINED = APPLICATION | {"approval_steps": [LEADER, HR]}


def test_the_applicant_reaches_their_own_only_with_own_reach():
    assert reaches_as_person(APPLICATION, {"ola"}, PersonalReach(own=True))
    assert not reaches_as_person(APPLICATION, {"ola"}, PersonalReach(managed=True))
    assert not reaches_as_person(APPLICATION, {"someone"}, PersonalReach(own=True))


def test_the_named_manager_reaches_it_as_manager_or_as_a_leader_but_not_by_own_reach():
    assert reaches_as_person(APPLICATION, {"lise"}, PersonalReach(managed=True))
    assert reaches_as_person(APPLICATION, {"lise"}, PersonalReach(leader=True))
    assert not reaches_as_person(APPLICATION, {"lise"}, PersonalReach(own=True))


def test_a_record_a_form_registered_for_the_same_person_counts_as_theirs():
    assert reaches_as_person(APPLICATION, {"ola-signed-in", "ola"}, PersonalReach(own=True))


def test_people_a_chain_names_read_what_they_are_to_decide_whatever_their_reach():
    assert named_in_chain(CHAINED) == {"leader-deputy", "hanne", "per"}
    assert reaches_as_person(CHAINED, {"per"}, PersonalReach())
    assert not reaches_as_person(APPLICATION, {"per"}, PersonalReach())


def test_without_a_chain_or_a_personal_reach_the_callers_person_is_not_needed():
    assert not needs_person(APPLICATION, PersonalReach())
    assert needs_person(CHAINED, PersonalReach())
    assert needs_person(APPLICATION, PersonalReach(managed=True))


def test_a_leader_leads_applications_in_scope_or_naming_them_as_manager_and_only_as_a_leader():
    assert leads_application(APPLICATION, {"x"}, is_leader=True, in_scope=True)
    assert leads_application(APPLICATION, {"lise"}, is_leader=True, in_scope=False)
    assert not leads_application(APPLICATION, {"hanne"}, is_leader=True, in_scope=False)
    assert not leads_application(APPLICATION, {"lise"}, is_leader=False, in_scope=True)


def test_the_leader_inbox_holds_their_units_and_what_names_them():
    assert in_leader_inbox(APPLICATION, {"lise"}, in_scope=False)
    assert in_leader_inbox(APPLICATION, {"x"}, in_scope=True)
    assert not in_leader_inbox(APPLICATION, {"x"}, in_scope=False)


def test_awaiting_a_leaders_decision_means_at_the_leader_step_or_a_step_naming_them():
    waiting = "awaiting_manager_approval"
    assert awaits_decision_of(waiting, None, [], {"lise"})
    assert awaits_decision_of(waiting, 1, [LEADER, HR], {"lise"})
    assert awaits_decision_of(waiting, 2, [LEADER, HR], {"hanne"})
    assert not awaits_decision_of(waiting, 2, [LEADER, HR], {"lise"})
    assert not awaits_decision_of("enrolled", None, [], {"lise"})


def test_a_person_reads_their_own_contacts_only_in_the_order_asked():
    assert readable_contacts(["b", "x", "a"], {"a", "b"}) == ["b", "a"]


def test_a_form_never_overwrites_a_known_person_it_proposes_a_change_once():
    person = {"name": "Ola", "phone": "1", "language": "nb"}
    assert proposed_change(Contact("Ola", "ola@x.no", phone="1"), person) is None
    assert proposed_change(Contact("Ola N", "ola@x.no"), person) == {"name": "Ola N"}
    waiting = person | {"pending_change": {"name": "Ola N", "proposed_at": "then"}}
    assert proposed_change(Contact("Ola N", "ola@x.no"), waiting) is None
    assert proposed_change(Contact("Ola M", "ola@x.no"), waiting) == {"name": "Ola M"}


def test_an_address_is_read_in_lower_case():
    assert Contact.of({"name": "Ola", "email": "Ola@Example.NO"}).email == "ola@example.no"


def test_the_token_claims_change_the_record_and_mark_it_signed_in():
    assert claim_changes({"name": "Ola", "email": "o@x.no", "signed_in": True}, name="Ola", email=None) == {}
    assert claim_changes({"name": "Ola", "email": "o@x.no"}, name="Ola N", email="o@x.no") == {
        "name": "Ola N", "signed_in": True}


def test_a_signed_in_person_changes_only_their_phone_and_language_on_their_own_form():
    assert own_changes({"phone": "1"}, {"phone": "2", "name": "Other", "language": None}) == {"phone": "2"}


def test_confirming_a_pending_change_applies_only_what_may_change_and_dropping_applies_nothing():
    pending = {"name": "Ola N", "email": "new@x.no", "proposed_at": "then"}
    assert settled_changes(pending, confirm=True) == {"name": "Ola N"}
    assert settled_changes(pending, confirm=False) == {}


def test_the_public_form_is_taken_only_where_the_programme_says_so_and_must_name_the_person():
    assert takes_anonymous_applications({"accepts_anonymous_applications": True})
    assert not takes_anonymous_applications({})
    require_named({"name": "Ola", "email": "o@x.no"})
    with pytest.raises(RuleViolation):
        require_named({"name": "Ola", "email": None})


def test_only_a_duplicate_is_hidden_from_an_anonymous_caller():
    assert hidden_from_anonymous(Conflict("already applied", application_id="a1"))
    assert not hidden_from_anonymous(Conflict("the cohort is closed"))


def test_only_an_admin_or_a_network_coordinator_registers_a_form_for_someone_else():
    assert registers_for_others(is_admin=True, coordinates_networks=False)
    assert registers_for_others(is_admin=False, coordinates_networks=True)
    assert not registers_for_others(is_admin=False, coordinates_networks=False)


def test_a_signed_in_applicant_applies_as_themself_whatever_the_form_says():
    participant = {"name": "Someone", "email": "someone@x.no", "role": "nurse"}
    assert as_signed_in(participant, {"name": "Ola"}, "ola@x.no") == {"name": "Ola", "email": "ola@x.no",
                                                                       "role": "nurse"}
    assert as_signed_in(participant, {"name": None}, "ola@x.no")["name"] == "ola@x.no"
