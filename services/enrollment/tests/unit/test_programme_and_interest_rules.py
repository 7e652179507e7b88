"""Programme and interest rules: archived means read-only, interest waits for the next cohort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from samla_enrollment.domain.errors import Conflict, RuleViolation
from samla_enrollment.domain.interest import check_interest, still_pending
from samla_enrollment.domain.programmes import changed_fields, ensure_active

NOW = datetime(2027, 3, 1, tzinfo=UTC)


def test_an_archived_programme_changes_no_more():
    ensure_active({"archived": False}, "no new cohorts")
    with pytest.raises(Conflict, match="archived; no new cohorts"):
        ensure_active({"archived": True}, "no new cohorts")


def test_only_real_changes_count_and_the_network_stays():
    programme = {"title": "KULT", "language": "nb", "network_id": "n1"}
    assert changed_fields(programme, {"title": "KULT", "language": "da"}) == {"language": "da"}
    with pytest.raises(RuleViolation, match="network_id"):
        changed_fields(programme, {"network_id": "n2"})


def test_interest_is_for_a_programme_without_an_open_cohort():
    check_interest(programme_archived=False, cohorts_taking_applications=[])
    with pytest.raises(Conflict, match="apply there instead") as refused:
        check_interest(programme_archived=False, cohorts_taking_applications=["c1"])
    assert refused.value.extensions == {"cohort_ids": ["c1"]}
    with pytest.raises(Conflict, match="archived"):
        check_interest(programme_archived=True, cohorts_taking_applications=[])


def test_a_registration_is_pending_until_a_cohort_is_announced_after_it():
    assert still_pending(registered_at=NOW, latest_cohort_announced_at=None)
    assert still_pending(registered_at=NOW, latest_cohort_announced_at=NOW - timedelta(days=1))
    assert not still_pending(registered_at=NOW, latest_cohort_announced_at=NOW + timedelta(days=1))
