"""Network insight is a projection of events, and stays correct when events arrive more than once."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, date, datetime

import pytest

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantEnrolled, ParticipantWithdrawn
from samla_shared.contract.measures import (
    FollowUpOverdue,
    IndicatorDefinition,
    IndicatorReading,
    MeasureAdopted,
    MeasureFollowedUp,
    MeasureProposed,
)
from samla_shared.contract.sessions import ParticipantCompleted


def by_status(insight) -> dict[str, int]:
    return {status: n for status, n in insight["measures_by_status"].items() if n}


@pytest.fixture
async def consuming(steps, produce, wait_until) -> None:
    """Wait until the service consumes all three topics it projects.

    A new consumer group starts at the end of each topic ("latest"), and until a
    subscription has committed an offset, a rebalance can move it to the end again, past
    records produced meanwhile. So markers go to a network of their own, again until the
    insight shows one of each; the records a test produces after that are not skipped.
    """
    network, attempt = f"net-marker-{uuid.uuid4().hex[:8]}", itertools.count()

    async def markers_seen() -> bool:
        n = next(attempt)
        await produce(MeasureProposed(network_id=network, measure_id=uuid.uuid4().hex, organisation_id="org-m",
                                      unit_ids=["unit-m"], area="culture_and_values"))
        await produce(ParticipantEnrolled(network_id=network, cohort_id="cohort-m", programme_id="prog-m",
                                          organisation_id="org-m", unit_id="unit-m", application_id=f"app-m-{n}",
                                          participant_id=f"enrolled-{n}", cohort_sequence=n + 1))
        await produce(ParticipantCompleted(network_id=network, cohort_id="cohort-m", programme_id="prog-m",
                                           participant_id=f"completed-{n}", organisation_id="org-m",
                                           completed_at=datetime.now(UTC)))
        await asyncio.sleep(1)
        insight = (await steps.client.get(f"/networks/{network}/insight")).json()
        programmes = insight["facilitators_by_programme"]
        return bool(insight["measures_total"] and programmes and programmes[0]["facilitators_completed"]
                    and programmes[0]["facilitators_active"] > programmes[0]["facilitators_completed"])

    await wait_until(markers_seen, timeout=120, interval=1)


async def test_the_insight_follows_measures_through_their_own_events(steps, wait_until):
    first = await steps.adopted(organisation_id="org-oppdal", unit_ids=("unit-sykehjem", "unit-hjemmetjenesten"))
    await steps.adopted(organisation_id="org-fet", unit_ids=("unit-omsorg",), area="full_time_culture",
                        adopted_days_ago=30, indicators=[{"kind": "full_time_share_percent", "baseline": 40.0,
                                                          "baseline_date": steps.days_ago(40), "target": 55.0}])
    await steps.propose(organisation_id="org-fet", unit_ids=("unit-kjokken",), area="culture_and_values")
    indicator_id = first["indicators"][0]["id"]
    assert (await steps.follow_up(first["id"], readings=[{"indicator_id": indicator_id, "value": 8.0}])).status_code \
        == 201

    async def settled():
        insight = await steps.insight()
        return insight if by_status(insight) == {"proposed": 1, "adopted": 1, "in_practice": 1} \
            and insight["indicator_movement"] else None

    insight = await wait_until(settled)
    assert (insight["organisations_active"], insight["organisations_with_measures"]) == (2, 2)
    assert insight["units_active"] == 3
    areas = {row["area"]: row for row in insight["measures_by_area"]}
    assert (areas["sick_leave_follow_up"]["in_practice"], areas["full_time_culture"]["adopted"],
            areas["culture_and_values"]["proposed"]) == (1, 1, 1)
    [movement] = insight["indicator_movement"]
    assert (movement["kind"], movement["improving"], movement["average_change"]) == ("sick_leave_percent", 1, -1.5)
    organisations = {o["organisation_id"]: o for o in insight["organisations"]}
    assert (organisations["org-oppdal"]["units_active"], organisations["org-fet"]["units_active"]) == (2, 1)
    assert organisations["org-fet"]["measures"] == 2


async def test_a_network_without_events_has_an_empty_insight(steps):
    insight = await steps.insight()
    assert (insight["measures_total"], insight["units_active"], insight["organisations"]) == (0, 0, [])


async def test_the_insight_counts_each_event_once_however_often_it_is_delivered(steps, produce, wait_until,
                                                                                 consuming):
    network, measure_id, programme_id = steps.network_id, uuid.uuid4().hex, f"prog-{uuid.uuid4().hex[:6]}"
    ids = dict(network_id=network, measure_id=measure_id, organisation_id="org-bodo", unit_ids=["unit-med-1"],
               area="sick_leave_follow_up")
    definition = IndicatorDefinition(indicator_id="ind-1", kind="sick_leave_percent", unit="%", baseline=10.0,
                                     better="down")

    def followed_up(follow_up_id: str, value: float) -> MeasureFollowedUp:
        return MeasureFollowedUp(**ids, follow_up_id=follow_up_id, followed_up_on=date(2026, 11, 10),
                                 in_practice=True, readings=[IndicatorReading(indicator_id="ind-1", value=value)],
                                 indicators=[definition])

    await produce(MeasureProposed(**ids, programme_id=programme_id, facilitator_id="fac-1"), times=2)
    await produce(MeasureAdopted(**ids, adopted_on=date(2026, 9, 1), next_follow_up_due=date(2026, 11, 1)), times=3)
    await produce(FollowUpOverdue(**ids, due_on=date(2026, 11, 1)), times=2)
    await produce(followed_up("fu-1", 9.0), times=2)

    seat = dict(network_id=network, cohort_id=f"cohort-{uuid.uuid4().hex[:6]}", programme_id=programme_id,
                organisation_id="org-bodo", unit_id="unit-med-1")

    def enrolled(n: int) -> ParticipantEnrolled:
        return ParticipantEnrolled(**seat, application_id=f"app-{n}", participant_id=f"fac-{n}", cohort_sequence=n)

    def completed(n: int) -> ParticipantCompleted:
        return ParticipantCompleted(network_id=network, cohort_id=seat["cohort_id"], programme_id=programme_id,
                                    participant_id=f"fac-{n}", organisation_id="org-bodo",
                                    completed_at=datetime.now(UTC))

    await produce(enrolled(1), times=2)
    await produce(enrolled(2), times=2)
    await produce(ParticipantWithdrawn(**seat, application_id="app-2", participant_id="fac-2",
                                       previous_status="enrolled", cohort_sequence=3), times=2)
    await produce(completed(1), times=2)

    # One distinct last event per partition: once it shows, every duplicate before it was consumed.
    await produce(followed_up("fu-2", 8.5))
    await produce(enrolled(4))
    await produce(completed(5))

    async def settled():
        insight = await steps.insight()
        [movement] = insight["indicator_movement"] or [{}]
        [programme] = insight["facilitators_by_programme"] or [{}]
        done = movement.get("average_change") == -1.5 and programme.get("facilitators_completed") == 2 \
            and programme.get("facilitators_active") == 3
        return insight if done else None

    insight = await wait_until(settled, timeout=90)  # a loaded shared stack can take its time
    assert insight["measures_total"] == 1
    assert by_status(insight) == {"in_practice": 1}
    assert (insight["organisations_active"], insight["units_active"], insight["overdue_follow_ups"]) == (1, 1, 0)
    [movement] = insight["indicator_movement"]
    assert (movement["improving"], movement["worsening"], movement["unchanged"]) == (1, 0, 0)
    # fac-1 (enrolled twice, completed twice), fac-4 enrolled, fac-5 completed; fac-2 withdrew.
    assert insight["facilitators_by_programme"] == [{
        "programme_id": programme_id, "facilitators_active": 3, "facilitators_completed": 2,
        "facilitators_supporting_measures": 1}]


async def test_overdue_follow_ups_are_counted_until_the_follow_up_arrives(steps, produce, wait_until, consuming):
    ids = dict(network_id=steps.network_id, measure_id=uuid.uuid4().hex, organisation_id="org-1",
               unit_ids=["unit-1"], area="preventive_work_environment")
    await produce(MeasureAdopted(**ids, adopted_on=date(2026, 9, 1), next_follow_up_due=date(2026, 11, 1)))
    await produce(FollowUpOverdue(**ids, due_on=date(2026, 11, 1)), times=2)

    async def overdue_shown():
        insight = await steps.insight()
        return insight if insight["overdue_follow_ups"] else None

    insight = await wait_until(overdue_shown)
    assert insight["overdue_follow_ups"] == 1
    assert insight["organisations"][0]["overdue_follow_ups"] == 1


async def test_a_counter_change_interrupted_half_way_is_applied_exactly_once(steps, app):
    """The consumer stops after recording the change on the measure's projection; the event comes again."""
    projection = app.state.insight
    ids = dict(network_id=steps.network_id, measure_id=uuid.uuid4().hex, organisation_id="org-1",
               unit_ids=["unit-1", "unit-2"], area="culture_and_values")
    proposed = CloudEvent(data=MeasureProposed(**ids), source="/samla/test/measures")
    adopted = CloudEvent(data=MeasureAdopted(**ids, adopted_on=date(2026, 9, 1), next_follow_up_due=date(2026, 11, 1)),
                         source="/samla/test/measures")
    await projection.handle(proposed)
    await projection.record(adopted)  # ... and the process died here
    assert by_status(await steps.insight()) == {"proposed": 1}

    await projection.handle(adopted)  # redelivered after the restart
    await projection.handle(adopted)  # and once more for good measure
    await projection.handle(proposed)
    insight = await steps.insight()
    assert by_status(insight) == {"adopted": 1}
    assert insight["units_active"] == 2


async def test_a_change_left_pending_by_a_failed_delivery_is_finished_by_the_periodic_sweep(steps, app):
    projection = app.state.insight
    ids = dict(network_id=steps.network_id, measure_id=uuid.uuid4().hex, organisation_id="org-1",
               unit_ids=["unit-1"], area="competence_development")
    await projection.record(CloudEvent(data=MeasureProposed(**ids), source="/samla/test/measures"))
    assert (await steps.insight())["measures_total"] == 0
    assert await projection.flush_stragglers() >= 1
    assert (await steps.insight())["measures_total"] == 1
