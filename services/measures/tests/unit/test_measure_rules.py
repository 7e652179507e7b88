"""The rules of a measure's life, without any infrastructure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from samla_measures.domain.errors import Conflict, RuleViolation
from samla_measures.domain.measure import (
    MeasureStatus,
    OwnerRole,
    check_adoption,
    check_consent,
    check_discontinuation_allowed,
    check_follow_up_allowed,
    first_follow_up_due,
    is_overdue,
    missing_agreements,
    next_follow_up_due,
    status_after_follow_up,
)

AGREED = {"agreed_at": datetime(2027, 1, 4, tzinfo=UTC)}


def test_adoption_is_refused_naming_every_party_that_has_not_agreed():
    with pytest.raises(Conflict) as refused:
        check_adoption(MeasureStatus.PROPOSED, {"leader": {"person_id": "p1", **AGREED}})
    assert refused.value.extensions["missing_roles"] == ["union_representative", "safety_representative"]
    assert "tillitsvalgt" in str(refused.value) and "verneombud" in str(refused.value)


def test_adoption_is_allowed_once_all_three_parties_agreed():
    consents = {role.value: {"person_id": f"p-{role.value}", **AGREED} for role in OwnerRole}
    check_adoption(MeasureStatus.PROPOSED, consents)
    assert missing_agreements(consents) == []


def test_only_a_proposed_measure_can_be_adopted():
    consents = {role.value: {"person_id": "p", **AGREED} for role in OwnerRole}
    with pytest.raises(Conflict, match="only a proposed measure"):
        check_adoption(MeasureStatus.ADOPTED, consents)


def test_a_named_owner_cannot_be_replaced_by_someone_else_agreeing():
    with pytest.raises(Conflict, match="is p-verneombud"):
        check_consent(MeasureStatus.PROPOSED, {"safety_representative": "p-verneombud"},
                      OwnerRole.SAFETY_REPRESENTATIVE, "p-other")
    check_consent(MeasureStatus.PROPOSED, {}, OwnerRole.SAFETY_REPRESENTATIVE, "p-other")


def test_the_first_follow_up_follows_the_rhythm_unless_it_has_its_own_distance_or_date():
    adopted = date(2027, 1, 4)
    assert first_follow_up_due(adopted_on=adopted, every_weeks=8, first_after_weeks=None, first_on=None) \
        == date(2027, 3, 1)
    assert first_follow_up_due(adopted_on=adopted, every_weeks=8, first_after_weeks=10, first_on=None) \
        == date(2027, 3, 15)
    assert first_follow_up_due(adopted_on=adopted, every_weeks=8, first_after_weeks=None,
                               first_on=date(2027, 2, 1)) == date(2027, 2, 1)
    with pytest.raises(RuleViolation):
        first_follow_up_due(adopted_on=adopted, every_weeks=8, first_after_weeks=None, first_on=adopted)


def test_the_next_follow_up_must_come_after_the_one_just_held():
    assert next_follow_up_due(held_on=date(2027, 3, 1), every_weeks=8, next_on=None) == date(2027, 4, 26)
    with pytest.raises(RuleViolation):
        next_follow_up_due(held_on=date(2027, 3, 1), every_weeks=8, next_on=date(2027, 2, 1))


def test_follow_ups_are_for_adopted_measures_and_not_dated_in_the_future():
    today = date(2027, 3, 1)
    with pytest.raises(Conflict):
        check_follow_up_allowed(MeasureStatus.PROPOSED, adopted_on=None, held_on=today, today=today)
    with pytest.raises(RuleViolation, match="in the future"):
        check_follow_up_allowed(MeasureStatus.ADOPTED, adopted_on=date(2027, 1, 4), held_on=date(2027, 3, 2),
                                today=today)
    with pytest.raises(RuleViolation, match="before the adoption"):
        check_follow_up_allowed(MeasureStatus.ADOPTED, adopted_on=date(2027, 1, 4), held_on=date(2027, 1, 3),
                                today=today)


def test_the_status_follows_what_the_follow_up_says_about_practice():
    assert status_after_follow_up(MeasureStatus.ADOPTED, True) is MeasureStatus.IN_PRACTICE
    assert status_after_follow_up(MeasureStatus.IN_PRACTICE, False) is MeasureStatus.ADOPTED


def test_a_follow_up_is_overdue_only_after_its_due_day_and_only_while_the_measure_is_active():
    due = date(2027, 3, 1)
    assert not is_overdue(MeasureStatus.ADOPTED, due, date(2027, 3, 1))
    assert is_overdue(MeasureStatus.ADOPTED, due, date(2027, 3, 2))
    assert is_overdue(MeasureStatus.IN_PRACTICE, due, date(2027, 3, 2))
    assert not is_overdue(MeasureStatus.EVALUATED, due, date(2027, 3, 2))
    assert not is_overdue(MeasureStatus.DISCONTINUED, due, date(2027, 3, 2))


def test_a_closed_measure_cannot_be_discontinued():
    with pytest.raises(Conflict):
        check_discontinuation_allowed(MeasureStatus.EVALUATED)
    check_discontinuation_allowed(MeasureStatus.PROPOSED)

