"""How measures and facilitators add up to a network's insight, without any infrastructure."""

from __future__ import annotations

from datetime import UTC, date, datetime

from samla_shared.contract.enrollment import ParticipantEnrolled, ParticipantWithdrawn
from samla_shared.contract.measures import (
    FollowUpOverdue,
    IndicatorDefinition,
    IndicatorReading,
    MeasureAdopted,
    MeasureDiscontinued,
    MeasureFollowedUp,
    MeasureProposed,
)
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_measures.domain.insight import (
    difference,
    facilitator_contribution,
    facilitator_view_after,
    measure_contribution,
    measure_view_after,
    network_insight,
)

IDS = dict(network_id="net-1", measure_id="m-1", organisation_id="org.oppdal", unit_ids=["u-home", "u-nursing"],
           area="competence_development")


def replay(events):
    """Apply events one by one and add the counter differences up, as the projection does."""
    counters: dict[str, float] = {}
    view, contribution = None, {}
    for event in events:
        view = measure_view_after(view, event)
        new = measure_contribution(view)
        for path, amount in difference(contribution, new).items():
            counters[path] = counters.get(path, 0) + amount
        contribution = new
    return counters


def nested(counters):
    """The flat counters as the database stores them (dotted paths become nested documents)."""
    doc: dict = {}
    for path, amount in counters.items():
        *parents, leaf = path.split(".")
        target = doc
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = amount
    return doc


def followed_up(value: float, in_practice: bool = True) -> MeasureFollowedUp:
    return MeasureFollowedUp(
        **IDS, follow_up_id="f-1", followed_up_on=date(2027, 3, 1), in_practice=in_practice,
        readings=[IndicatorReading(indicator_id="i-1", value=value)],
        indicators=[IndicatorDefinition(indicator_id="i-1", kind="sick_leave_percent", unit="%", baseline=9.5,
                                        better="down")])


def test_an_adopted_measure_counts_its_organisation_and_units_as_active():
    insight = network_insight("net-1", nested(replay([
        MeasureProposed(**IDS), MeasureAdopted(**IDS, adopted_on=date(2027, 1, 4), next_follow_up_due=date(2027, 3, 1)),
    ])))
    assert insight["measures_by_status"]["adopted"] == 1 and insight["measures_by_status"]["proposed"] == 0
    assert (insight["organisations_active"], insight["units_active"]) == (1, 2)
    assert insight["organisations"][0]["organisation_id"] == "org.oppdal"


def test_a_proposed_measure_is_counted_but_does_not_make_units_active():
    insight = network_insight("net-1", nested(replay([MeasureProposed(**IDS)])))
    assert insight["measures_total"] == 1
    assert (insight["organisations_active"], insight["units_active"]) == (0, 0)
    assert insight["organisations_with_measures"] == 1


def test_overdue_counts_until_the_follow_up_is_recorded():
    adopted = MeasureAdopted(**IDS, adopted_on=date(2027, 1, 4), next_follow_up_due=date(2027, 3, 1))
    overdue = FollowUpOverdue(**IDS, due_on=date(2027, 3, 1))
    assert network_insight("net-1", nested(replay([adopted, overdue])))["overdue_follow_ups"] == 1
    assert network_insight("net-1", nested(replay([adopted, overdue, followed_up(8.0)])))["overdue_follow_ups"] == 0


def test_indicator_movement_uses_the_latest_reading_against_the_baseline():
    adopted = MeasureAdopted(**IDS, adopted_on=date(2027, 1, 4), next_follow_up_due=date(2027, 3, 1))
    insight = network_insight("net-1", nested(replay([adopted, followed_up(10.5), followed_up(8.5)])))
    [row] = insight["indicator_movement"]
    assert (row["kind"], row["improving"], row["worsening"]) == ("sick_leave_percent", 1, 0)
    assert row["average_change"] == -1.0


def test_a_discontinued_measure_leaves_the_active_counts_and_the_movement():
    events = [MeasureAdopted(**IDS, adopted_on=date(2027, 1, 4), next_follow_up_due=date(2027, 3, 1)),
              followed_up(8.0), MeasureDiscontinued(**IDS, reason="staffing crisis")]
    insight = network_insight("net-1", nested(replay(events)))
    assert insight["measures_by_status"]["discontinued"] == 1
    assert (insight["units_active"], insight["indicator_movement"]) == (0, [])


def test_facilitators_are_active_while_enrolled_and_after_completing():
    seat = dict(network_id="net-1", cohort_id="c-1", programme_id="p-1", application_id="a-1", participant_id="x-1",
                organisation_id="org-1", unit_id="u-1")
    view = facilitator_view_after(None, ParticipantEnrolled(**seat, cohort_sequence=1))
    assert facilitator_contribution(view) == {"programmes.p-1.facilitators_active": 1}
    left = facilitator_view_after(view, ParticipantWithdrawn(**seat, previous_status="enrolled", cohort_sequence=2))
    assert facilitator_contribution(left) == {}
    completed = facilitator_view_after(view, ParticipantCompleted(
        network_id="net-1", cohort_id="c-1", programme_id="p-1", participant_id="x-1", organisation_id="org-1",
        completed_at=datetime(2027, 6, 1, tzinfo=UTC)))
    assert facilitator_contribution(completed) == {"programmes.p-1.facilitators_active": 1,
                                                   "programmes.p-1.facilitators_completed": 1}


def test_leaving_a_waitlist_does_not_touch_the_facilitator_counts():
    seat = dict(network_id="net-1", cohort_id="c-1", programme_id="p-1", application_id="a-1", participant_id="x-1",
                organisation_id="org-1", unit_id="u-1")
    assert facilitator_view_after(None, ParticipantWithdrawn(**seat, previous_status="waitlisted")) is None


def test_a_revoked_completion_no_longer_counts_as_completed():
    facts = dict(network_id="net-1", cohort_id="c-1", programme_id="p-1", participant_id="x-1", organisation_id="org-1")
    view = facilitator_view_after(None, ParticipantCompleted(**facts, completed_at=datetime(2027, 6, 1, tzinfo=UTC)))
    revoked = facilitator_view_after(view, CompletionRevoked(**facts, revoked_at=datetime(2027, 6, 2, tzinfo=UTC),
                                                             reason="attendance corrected"))
    assert facilitator_contribution(revoked) == {}
