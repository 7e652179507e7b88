"""How the team form is read: people chosen by name, people written in, and what is missing or chosen twice."""

from __future__ import annotations

from samla_portal.service_layer.interest import takes_applications
from samla_portal.service_layer.teams import Colleague, team_members

PEOPLE = [Colleague("Lars Haugen", "lars@ward.example", "unit-ward"),
          Colleague("Amina Khalid", "amina@ward.example", "unit-ward")]


def test_a_team_of_people_chosen_by_name_and_one_written_in_goes_to_enrollment_with_their_roles() -> None:
    form = {"member-0": "lars@ward.example", "member-1": "AMINA@ward.example",
            "member-2-name": "Per Moen", "member-2-email": "per@ward.example", "member-3": "", "member-4": ""}
    members, errors = team_members(form, PEOPLE)
    assert errors == []
    assert members == [
        {"role": "leader", "participant": {"name": "Lars Haugen", "email": "lars@ward.example"}},
        {"role": "union_representative", "participant": {"name": "Amina Khalid", "email": "amina@ward.example"}},
        {"role": "safety_representative", "participant": {"name": "Per Moen", "email": "per@ward.example"}}]


def test_the_three_parties_are_required_and_one_person_cannot_hold_two_places() -> None:
    form = {"member-0": "lars@ward.example", "member-1": "", "member-2": "lars@ward.example",
            "member-3-name": "Nora Strand", "member-3-email": ""}
    members, errors = team_members(form, PEOPLE)
    assert errors == [{"field": "member-1", "message": "required"},
                      {"field": "member-2", "message": "chosen_twice"},
                      {"field": "member-3-email", "message": "required"}]


def test_interest_is_offered_only_while_no_cohort_has_a_free_seat_to_apply_for() -> None:
    assert takes_applications([{"status": "open", "seats_free": 2}])
    assert not takes_applications([{"status": "full", "seats_free": 0}, {"status": "open", "seats_free": 0},
                                   {"status": "closed", "seats_free": 4}])


def test_someone_who_has_applied_to_the_cohort_already_is_refused_at_their_place() -> None:
    form = {"member-0": "lars@ward.example", "member-1": "amina@ward.example",
            "member-2-name": "Ola Berg", "member-2-email": "Ola.Berg@ward.example"}
    _, errors = team_members(form, PEOPLE, frozenset({"ola.berg@ward.example"}))
    assert errors == [{"field": "member-2-email", "message": "applied_already"}]
