"""Erasure on a measure: every role the person holds goes to the pseudonym, the others stay."""

from __future__ import annotations

from samla_measures.domain.measure import Measure
from samla_measures.service_layer.personal_data import pseudonym, renamed_roles


def test_every_role_of_the_person_and_only_theirs_is_given_to_the_pseudonym():
    measure = Measure(id="m1", facilitator_id="bo",
                      owners={"leader": "ada", "union_representative": "bo", "safety_representative": "cy"},
                      consents={"leader": {"person_id": "ada"}, "union_representative": {"person_id": "bo"}})
    alias = pseudonym("e1")
    assert renamed_roles(measure, "bo", alias) == {
        "facilitator_id": alias, "owners.union_representative": alias,
        "consents.union_representative.person_id": alias}
    assert renamed_roles(measure, "dag", alias) == {}


def test_what_the_person_did_on_the_measure_goes_to_the_pseudonym_too():
    measure = Measure(id="m2", proposed_by="bo", adopted_by="ada", actors=["bo", "ada"],
                      history=[{"status": "proposed", "by": "bo"}, {"status": "adopted", "by": "ada"}],
                      follow_ups=[{"id": "f1", "recorded_by": "bo"}, {"id": "f2", "recorded_by": "ada"}],
                      evaluation=None, discontinuation={"reason": "stopp", "decided_by": "bo"})
    alias = pseudonym("e2")
    assert renamed_roles(measure, "bo", alias) == {
        "proposed_by": alias, "actors": [alias, "ada"],
        "history": [{"status": "proposed", "by": alias}, {"status": "adopted", "by": "ada"}],
        "follow_ups": [{"id": "f1", "recorded_by": alias}, {"id": "f2", "recorded_by": "ada"}],
        "discontinuation.decided_by": alias}
