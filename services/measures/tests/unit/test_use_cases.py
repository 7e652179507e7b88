"""The measures use cases on in-memory stores (tests/fakes.py): party cooperation, follow-ups,
plans and their overdue milestones, unit input, and the refusals (404/409/422), without the stack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from samla_shared.contract.measures import (
    FollowUpOverdue,
    MeasureAdopted,
    MeasureFollowedUp,
    MeasureProposed,
    MilestoneOverdue,
    SeriesKind,
    UnitIndicatorRecorded,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.domain.errors import Conflict, NotFound, RuleViolation
from samla_measures.domain.measure import Measure, OwnerRole
from samla_measures.domain.unit_input import ItemSource
from samla_measures.service_layer.competences import Competences
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.plans import Plans
from samla_measures.service_layer.series import UnitSeries
from samla_measures.service_layer.unit_input import UnitInput

from services.measures.tests.fakes import (
    FakeInputLinks,
    FakeMeasureStore,
    FakePlanStore,
    FakeToolboxStore,
    FakeTrendStore,
    fake_competence_stores,
    fake_series_store,
    fake_staff_input_store,
)

LEADER, UNION, SAFETY = OwnerRole.LEADER, OwnerRole.UNION_REPRESENTATIVE, OwnerRole.SAFETY_REPRESENTATIVE


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def forward(self, days: int) -> None:
        self.now += timedelta(days=days)


class World:
    def __init__(self) -> None:
        self.clock = MovableClock()
        self.locks = DocumentLocks()
        self.measure_store = FakeMeasureStore()
        self.toolbox = FakeToolboxStore()
        self.measures = MeasuresService(self.measure_store, self.toolbox, self.locks, clock=self.clock)
        self.series = UnitSeries(fake_series_store(), FakeTrendStore(), self.locks, self.clock)
        self.plans = Plans(FakePlanStore("plans"), self.locks, self.series, self.measures, self.clock)
        self.unit_input = UnitInput(fake_staff_input_store(), FakeInputLinks(), self.locks, self.measures,
                                    self.clock)

    @property
    def today(self) -> date:
        return self.clock().date()

    def events(self, measure_id: str) -> list[type]:
        return [type(e) for e in self.measure_store.staged.get(measure_id, [])]

    async def propose(self, **extra: Any) -> Measure:
        data = {"network_id": "net-1", "organisation_id": "org-1", "unit_ids": ["unit-1"], "title": "Heltid",
                "area": "full_time_culture", "goal": "More full-time positions", "follow_up_every_weeks": 4,
                "indicators": [{"kind": "sick_leave_percent", "baseline": 8.0,
                                "baseline_date": self.today - timedelta(days=30), "target": 6.0}]} | extra
        return await self.measures.propose(data, by="leder-1")

    async def adopted(self) -> Measure:
        measure = await self.propose()
        for role, person in ((LEADER, "leder-1"), (UNION, "tv-1"), (SAFETY, "vo-1")):
            await self.measures.consent(measure.id, role, person)
        return await self.measures.adopt(measure.id, adopted_on=None, first_follow_up_on=None, reason=None,
                                         by="leder-1")


@pytest.fixture
def world() -> World:
    return World()


# -- party cooperation ---------------------------------------------------------------------------

async def test_a_measure_is_adopted_only_when_leader_union_and_safety_representative_have_each_agreed(world):
    measure = await world.propose()
    assert world.events(measure.id) == [MeasureProposed]

    await world.measures.consent(measure.id, LEADER, "leder-1")
    await world.measures.consent(measure.id, UNION, "tv-1")
    with pytest.raises(Conflict) as early:
        await world.measures.adopt(measure.id, adopted_on=None, first_follow_up_on=None, reason=None, by="leder-1")
    assert early.value.extensions["missing_roles"] == ["safety_representative"]

    agreed = await world.measures.consent(measure.id, SAFETY, "vo-1")
    # Each party's agreement is recorded under their own role and name, and names them owner of that role.
    assert {role: c["person_id"] for role, c in agreed.consents.items()} == {
        "leader": "leder-1", "union_representative": "tv-1", "safety_representative": "vo-1"}
    assert agreed.owners == {"leader": "leder-1", "union_representative": "tv-1", "safety_representative": "vo-1"}

    adopted = await world.measures.adopt(measure.id, adopted_on=None, first_follow_up_on=None, reason=None,
                                         by="leder-1")
    assert adopted.status == "adopted"
    assert adopted.next_follow_up_due == world.today + timedelta(weeks=4)
    assert world.events(measure.id) == [MeasureProposed, MeasureAdopted]


async def test_a_party_agrees_only_for_themself_and_the_same_agreement_twice_changes_nothing(world):
    measure = await world.propose(owners=[{"role": "union_representative", "person_id": "tv-1"}])
    with pytest.raises(Conflict) as other:
        await world.measures.consent(measure.id, UNION, "tv-2")
    assert other.value.extensions["owner_id"] == "tv-1"

    first = await world.measures.consent(measure.id, UNION, "tv-1")
    again = await world.measures.consent(measure.id, UNION, "tv-1")
    assert again.version == first.version  # no second write
    assert list(again.consents) == ["union_representative"]


async def test_agreements_and_adoption_are_refused_once_the_measure_is_adopted(world):
    measure = await world.adopted()
    with pytest.raises(Conflict):
        await world.measures.consent(measure.id, LEADER, "leder-2")
    with pytest.raises(Conflict):
        await world.measures.adopt(measure.id, adopted_on=None, first_follow_up_on=None, reason=None, by=None)


# -- follow-ups with indicators ------------------------------------------------------------------

async def test_a_follow_up_records_its_readings_moves_the_due_date_and_stages_its_event(world):
    measure = await world.adopted()
    indicator = measure.indicators[0]["id"]
    world.clock.forward(14)
    before = world.measure_store.commands
    follow_up = await world.measures.follow_up(measure.id, {
        "held_on": world.today, "readings": [{"indicator_id": indicator, "value": 7.0}], "in_practice": True},
        by="leder-1")
    # One read of the measure and one write: the follow-up's cost the benchmarks hold it to.
    assert world.measure_store.commands - before == 2
    assert follow_up["next_follow_up_due"] == (world.today + timedelta(weeks=4)).isoformat()
    stored = await world.measures.measure(measure.id)
    assert (stored.status, stored.follow_up_count) == ("in_practice", 1)
    assert [r["value"] for r in (await world.measures.follow_ups(measure.id))[0]["readings"]] == [7.0]
    assert world.events(measure.id)[-1] is MeasureFollowedUp

    effects = await world.measures.unit_effects("unit-1", None)
    assert [e["measure"].id for e in effects] == [measure.id]


async def test_a_follow_up_refuses_unknown_or_repeated_indicators_and_a_measure_not_adopted(world):
    measure = await world.adopted()
    indicator = measure.indicators[0]["id"]
    with pytest.raises(RuleViolation):
        await world.measures.follow_up(measure.id, {
            "held_on": world.today, "readings": [{"indicator_id": "nope", "value": 1.0}], "in_practice": True},
            by=None)
    with pytest.raises(RuleViolation):
        await world.measures.follow_up(measure.id, {
            "held_on": world.today, "in_practice": True,
            "readings": [{"indicator_id": indicator, "value": 1.0}, {"indicator_id": indicator, "value": 2.0}]},
            by=None)
    proposed = await world.propose()
    with pytest.raises(Conflict):
        await world.measures.follow_up(proposed.id, {"held_on": world.today, "in_practice": True}, by=None)


async def test_an_overdue_follow_up_is_announced_once_and_listed_as_overdue(world):
    measure = await world.adopted()
    world.clock.forward(40)
    assert await world.measures.overdue_candidates(world.today) == [measure.id]
    assert await world.measures.announce_overdue(measure.id, world.today) is True
    assert await world.measures.announce_overdue(measure.id, world.today) is False
    assert world.events(measure.id).count(FollowUpOverdue) == 1
    assert await world.measures.overdue_candidates(world.today) == []
    late = await world.measures.measures(network_id="net-1", organisation_id=None, unit_id=None, area=None,
                                         status=None, overdue=True, offset=0, limit=10)
    on_time = await world.measures.measures(network_id=["net-1"], organisation_id=None, unit_id=None, area=None,
                                            status=None, overdue=False, offset=0, limit=10)
    assert ([m.id for m in late], on_time) == ([measure.id], [])


# -- refusals ------------------------------------------------------------------------------------

async def test_an_unknown_measure_is_not_found_and_a_write_that_lost_a_race_is_a_conflict(world):
    with pytest.raises(NotFound):
        await world.measures.measure("nope")
    with pytest.raises(NotFound):
        await world.measures.consent("nope", LEADER, "leder-1")
    measure = await world.propose()
    stale = await world.measure_store.get(measure.id)
    await world.measures.consent(measure.id, LEADER, "leder-1")
    assert await world.measure_store.save(stale, changes={"title": "overwritten"}) is False
    assert (await world.measures.measure(measure.id)).title == "Heltid"


async def test_a_proposal_with_an_unknown_method_or_an_invalid_indicator_breaks_a_rule(world):
    with pytest.raises(RuleViolation):
        await world.propose(method_id="no-such-method")
    with pytest.raises(RuleViolation):
        await world.propose(indicators=[{"kind": "sick_leave_percent", "baseline": 180.0,
                                         "baseline_date": world.today, "target": 6.0}])
    assert world.measure_store.docs == {}


# -- plans and their milestones ------------------------------------------------------------------

async def test_a_plan_announces_a_missed_milestone_once_and_lists_its_measures(world):
    period = f"{world.today.year:04d}-{world.today.month:02d}"
    for unit, value in (("unit-1", 42.0), ("unit-2", 44.0)):
        await world.series.record(unit_id=unit, kind=SeriesKind.FULL_TIME_SHARE_PERCENT, network_id="net-1",
                                  organisation_id="org-1", period=period, value=value, by="leder-1")
    soon = world.today + timedelta(days=2)
    plan = await world.plans.create({
        "network_id": "net-1", "organisation_id": "org-1", "title": "Heltidskultur",
        "kind": "full_time_share_percent", "unit_ids": ["unit-1", "unit-2"], "start_value": 40, "target_value": 60,
        "target_date": date(2028, 12, 31), "milestones": [{"due_on": date(2028, 6, 30), "value": 55},
                                                          {"due_on": soon, "value": 50}]}, by="leder-1")
    assert (await world.plans.progress(plan))["units_reporting"] == 2

    measure = await world.adopted()
    listed = await world.plans.add_measure(plan.id, measure.id, by="leder-1")
    assert listed.measure_ids == [measure.id]
    other = await world.propose(organisation_id="org-2")
    with pytest.raises(RuleViolation):
        await world.plans.add_measure(plan.id, other.id, by="leder-1")

    assert await world.plans.overdue_candidates(world.today) == []
    world.clock.forward(3)
    assert await world.plans.overdue_candidates(world.today) == [plan.id]
    [announced] = await world.plans.settle_milestones(plan.id, world.today)
    assert await world.plans.overdue_candidates(world.today) == []
    assert [type(e) for e in world.plans.store.documents.staged[plan.id]] == [MilestoneOverdue]
    assert world.plans.store.documents.staged[plan.id][0].milestone_id == announced


async def test_plans_are_listed_within_the_callers_reach(world):
    plan = await world.plans.create({
        "network_id": "net-1", "organisation_id": "org-1", "title": "Heltid", "kind": "full_time_share_percent",
        "unit_ids": ["unit-1"], "start_value": 40, "target_value": 60, "target_date": date(2028, 12, 31),
        "milestones": []}, by="leder-1")
    from samla_measures.adapters.ports import PlanReach

    def listed(**reach: Any) -> Any:
        return world.plans.plans(organisation_id=None, reach=PlanReach(**reach) if reach else None,
                                 offset=0, limit=10)
    assert [p.id for p in await listed()] == [plan.id]
    assert [p.id for p in await listed(network_ids=["net-1"])] == [plan.id]
    assert await listed(organisation_ids=["org-2"]) == []
    assert await world.plans.plans(organisation_id=None, reach=PlanReach(), offset=0, limit=10) == []


async def test_an_erasure_gives_the_persons_places_on_a_plan_to_the_pseudonym(world):
    plan = await world.plans.create({
        "network_id": "net-1", "organisation_id": "org-1", "title": "Heltid", "kind": "full_time_share_percent",
        "unit_ids": ["unit-1"], "start_value": 40, "target_value": 60, "target_date": date(2028, 12, 31),
        "milestones": [], "owner_ids": ["leder-1", "leder-2"]}, by="leder-1")
    await world.plans.erase("leder-1", "erased:e1")
    erased = await world.plans.plan(plan.id)
    assert (erased.owner_ids, erased.actors, erased.created_by) == (["erased:e1", "leder-2"], ["erased:e1"],
                                                                     "erased:e1")
    assert erased.version == plan.version + 1
    assert await world.plans.naming("leder-1") == []


# -- unit input ----------------------------------------------------------------------------------

async def test_staff_send_through_the_current_link_and_a_ranked_item_becomes_one_measure(world):
    place = ("net-1", "org-1")
    old = await world.unit_input.new_link("unit-1", place, "leder-1")
    token = await world.unit_input.new_link("unit-1", place, "leder-1")
    with pytest.raises(NotFound):
        await world.unit_input.unit_of_link(old)  # a replaced link stops working at once
    unit = await world.unit_input.unit_of_link(token)
    item = await world.unit_input.submit(unit, {"text": "Faste vakter", "area": _area(), "kind": "idea"},
                                         by=None, source=ItemSource.ANONYMOUS)
    with pytest.raises(Conflict):  # only a ranked item becomes a measure
        await world.unit_input.propose_measure(unit, item.id, _measure_body(), by="leder-1")
    await world.unit_input.prioritise(unit, item.id, rank=1, reason=None, by="tv-1", as_role="union_representative")
    measure = await world.unit_input.propose_measure(unit, item.id, _measure_body(), by="leder-1")
    with pytest.raises(Conflict) as again:
        await world.unit_input.propose_measure(unit, item.id, _measure_body(), by="leder-1")
    assert again.value.extensions["measure_id"] == measure.id
    assert (measure.source_item_id, measure.unit_ids) == (item.id, ["unit-1"])
    [listed] = await world.unit_input.items(unit, status=None, area=None)
    assert (listed.status, listed.measure_id, listed.submitted_by) == ("proposed", measure.id, None)
    assert len(world.measure_store.docs) == 1


async def test_a_units_input_and_series_stay_with_the_organisation_they_were_first_recorded_under(world):
    await world.unit_input.submit("unit-1", {"text": "Mer tid", "area": _area(), "kind": "concern"}, by="ansatt-1",
                                  source=ItemSource.STAFF, place=("net-1", "org-1"))
    with pytest.raises(RuleViolation):
        await world.unit_input.submit("unit-1", {"text": "Mer tid", "area": _area(), "kind": "concern"},
                                      by="ansatt-1", source=ItemSource.STAFF, place=("net-1", "org-2"))
    with pytest.raises(NotFound):
        await world.unit_input.prioritise("unit-9", "item", rank=1, reason=None, by=None, as_role=None)
    period = f"{world.today.year:04d}-{world.today.month:02d}"
    recorded = await world.series.record(unit_id="unit-1", kind=SeriesKind.SICK_LEAVE_PERCENT, network_id="net-1",
                                         organisation_id="org-1", period=period, value=6.5, by="leder-1")
    assert [type(e) for e in world.series.store.documents.staged[recorded.id]] == [UnitIndicatorRecorded]
    with pytest.raises(RuleViolation):
        await world.series.record(unit_id="unit-1", kind=SeriesKind.SICK_LEAVE_PERCENT, network_id="net-1",
                                  organisation_id="org-2", period=period, value=6.0, by="leder-1")


def _area() -> Any:
    from samla_shared.contract.measures import MeasureArea
    return MeasureArea.FULL_TIME_CULTURE


def _measure_body() -> dict[str, Any]:
    return {"title": "Faste vakter", "goal": "Faste vakter for alle", "follow_up_every_weeks": 4}


async def test_a_retry_after_the_measure_was_made_but_the_item_not_linked_links_the_same_measure(world):
    import uuid

    from samla_measures.service_layer.unit_input import ITEM_MEASURES

    item = await world.unit_input.submit("unit-1", {"text": "Faste vakter", "area": _area(), "kind": "idea"},
                                         by="ansatt-1", source=ItemSource.STAFF, place=("net-1", "org-1"))
    await world.unit_input.prioritise("unit-1", item.id, rank=1, reason=None, by="tv-1", as_role=None)
    # The first attempt stopped after the measure's write, before the item's.
    made = await world.measures.propose(
        {**_measure_body(), "network_id": "net-1", "organisation_id": "org-1", "unit_ids": ["unit-1"],
         "area": "full_time_culture"}, by="leder-1", measure_id=uuid.uuid5(ITEM_MEASURES, f"unit-1/{item.id}").hex)
    measure = await world.unit_input.propose_measure("unit-1", item.id, _measure_body(), by="leder-1")
    assert measure.id == made.id
    assert len(world.measure_store.docs) == 1
    [listed] = await world.unit_input.items("unit-1", status=None, area=None)
    assert (listed.status, listed.measure_id) == ("proposed", made.id)



async def test_a_units_input_is_stored_as_before_and_an_erasure_renames_the_person_in_its_items_and_results(world):
    place = ("net-1", "org-1")
    item = await world.unit_input.submit("unit-1", {"text": "Faste vakter", "area": _area(), "kind": "idea"},
                                         by="ansatt-1", source=ItemSource.STAFF, place=place)
    result = await world.unit_input.record_result("unit-1", {
        "session_id": "s-1", "group": 2, "keywords": ["tid"], "why": "Mer tid", "next_step": "Faste vakter",
        "area": _area()}, place=place, by="ansatt-1")
    stored = world.unit_input.store.documents.docs["unit-1"]
    # An item the parties never sorted is stored without `prioritised_at` and `reason`, as it always was.
    assert list(stored["items"][0]) == ["id", "text", "area", "kind", "source", "submitted_by", "submitted_at",
                                        "status", "rank", "prioritised_by", "prioritised_as", "measure_id",
                                        "session_id", "dialogue_group", "keywords", "why"]
    assert stored["dialogue_results"][0]["item_id"] == result.item_id == stored["items"][1]["id"]
    await world.unit_input.prioritise("unit-1", item.id, rank=1, reason=None, by="ansatt-1", as_role=None)
    assert list(world.unit_input.store.documents.docs["unit-1"]["items"][0])[-2:] == ["prioritised_at", "reason"]

    await world.unit_input.erase("ansatt-1", "erased:e1")
    unit = await world.unit_input.unit("unit-1")
    assert unit is not None and unit.actors == ["erased:e1"]
    assert {(i.submitted_by, i.prioritised_by) for i in unit.items} == {("erased:e1", "erased:e1"),
                                                                         ("erased:e1", None)}
    assert [r.recorded_by for r in unit.dialogue_results] == ["erased:e1"]
    assert await world.unit_input.naming("ansatt-1") == []


# -- competences and erasure ---------------------------------------------------------------------

async def test_a_completion_confers_its_programmes_competences_once_and_an_erasure_takes_the_person_out(world):
    from samla_shared.contract.cloudevents import CloudEvent
    from samla_shared.contract.measures import CompetenceRecorded
    from samla_shared.contract.sessions import ParticipantCompleted

    competences = Competences(*fake_competence_stores(), world.locks)
    await competences.define_staff_type("org-1", "net-1", "sosu", name="SOSU", competence_ids=["samtale", "pakker"])
    await competences.assign("org-1", "net-1", "p-anna", "sosu")
    await competences.assign("org-1", "net-1", "p-bent", "sosu")
    with pytest.raises(RuleViolation):
        await competences.assign("org-1", "net-1", "p-carl", "no-such-type")
    with pytest.raises(RuleViolation):
        await competences.define_staff_type("org-1", "net-2", "sosu", name="SOSU", competence_ids=[])
    await competences.set_programme("prog-1", "net-1", ["samtale", "pakker"])

    completed = CloudEvent(source="/samla/test/sessions", data=ParticipantCompleted(
        network_id="net-1", cohort_id="cohort-1", programme_id="prog-1", participant_id="p-anna",
        organisation_id="org-1", completed_at=world.clock()))
    await competences.on_completed(completed)
    await competences.on_completed(completed)  # a redelivery records nothing more
    staged = competences.people.documents.staged["p-anna"]
    assert sorted(e.competence_id for e in staged) == ["pakker", "samtale"]
    assert {type(e) for e in staged} == {CompetenceRecorded}

    [sosu] = await competences.coverage(await competences.frame("org-1"))
    assert (sosu["members"], sosu["coverage_percent"]) == (2, 50.0)

    # The person is found through the frame's staff list (a dotted path into a list of entries).
    assert [n.get("staff_type_id") for n in await competences.naming("p-bent")] == ["sosu"]
    await competences.erase("p-bent", "erased-1")
    assert await competences.naming("p-bent") == []
    assert set((await competences.frame("org-1")).staff) == {"p-anna"}


async def test_a_revoked_completion_takes_its_competences_away_once_and_the_stored_shape_stays(world):
    from samla_shared.contract.cloudevents import CloudEvent
    from samla_shared.contract.measures import CompetenceRevoked
    from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted

    frames, programmes, people = fake_competence_stores()
    competences = Competences(frames, programmes, people, world.locks)
    await competences.define_staff_type("org-1", "net-1", "sosu", name="SOSU", competence_ids=["samtale"])
    assert frames.documents.docs["org-1"]["staff_types"] == [{"id": "sosu", "name": "SOSU",
                                                              "competence_ids": ["samtale"]}]
    await competences.set_programme("prog-1", "net-1", ["samtale"])
    for cohort in ("cohort-1", "cohort-2"):
        await competences.on_completed(CloudEvent(source="/samla/test/sessions", data=ParticipantCompleted(
            network_id="net-1", cohort_id=cohort, programme_id="prog-1", participant_id="p-anna",
            organisation_id="org-1", completed_at=world.clock())))
    assert list(people.documents.docs["p-anna"]["completions"]["cohort-2"]) == [
        "programme_id", "organisation_id", "network_id", "completed_at", "competence_ids"]

    revoked = CloudEvent(source="/samla/test/sessions", data=CompletionRevoked(
        network_id="net-1", cohort_id="cohort-1", programme_id="prog-1", participant_id="p-anna",
        organisation_id="org-1", revoked_at=world.clock(), reason="attendance corrected"))
    await competences.on_revoked(revoked)
    await competences.on_revoked(revoked)  # a redelivery revokes nothing more
    assert [type(e) for e in people.documents.staged["p-anna"]].count(CompetenceRevoked) == 1
    person = await competences.person("p-anna")
    assert person is not None and list(person.completions) == ["cohort-2"]
    assert people.documents.docs["p-anna"]["completions"]["cohort-2"]["competence_ids"] == ["samtale"]
