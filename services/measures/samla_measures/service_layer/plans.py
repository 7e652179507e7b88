"""Progress plans: an organisation's goals with milestones, measured on its units' own series.

A plan is one document; the overdue watch stages MilestoneOverdue in the same write that
marks the milestone settled, under the plan's lock, so each milestone is announced once,
also across restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from samla_shared.clock import Clock, local_today
from samla_shared.contract.measures import MilestoneOverdue, SeriesKind
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import PlanReach, PlanRepository
from samla_measures.domain.ids import new_id
from samla_measures.domain import plans as rules
from samla_measures.domain.actors import renamed, with_actor
from samla_measures.domain.errors import NotFound, RuleViolation
from samla_measures.domain.plans import Plan
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.series import UnitSeries

PLANS = "plans"
MAX_PLAN_MEASURES = 100
NAMING_FIELDS = ("actors", "owner_ids")  # where a plan keeps person ids


class Plans:
    def __init__(self, store: PlanRepository, locks: DocumentLocks, series: UnitSeries,
                 measures: MeasuresService, clock: Clock, *,
                 on_events_staged: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._locks = locks
        self.series = series
        self.measures = measures
        self.clock = clock
        self._wake_relay = on_events_staged

    def today(self) -> date:
        return local_today(self.clock())

    async def create(self, data: dict[str, Any], *, by: str | None) -> Plan:
        kind = SeriesKind(data["kind"])
        milestones = rules.check_plan(kind=kind, start_value=data["start_value"], target_value=data["target_value"],
                                      target_date=data["target_date"], milestones=data["milestones"],
                                      today=self.today())
        owners = list(dict.fromkeys(data.get("owner_ids") or ([by] if by else [])))
        stored_milestones = [{"id": new_id(), "due_on": m["due_on"].isoformat(), "value": m["value"],
                              "settled": False, "announced": False} for m in milestones]
        plan = Plan(
            id=new_id(), network_id=data["network_id"], organisation_id=data["organisation_id"],
            title=data["title"], kind=kind, unit_ids=data["unit_ids"], start_value=data["start_value"],
            target_value=data["target_value"], target_date=data["target_date"], owner_ids=owners, measure_ids=[],
            milestones=stored_milestones, created_by=by, actors=[by] if by else [],
            watch_from=rules.next_watch_date(stored_milestones),
        )
        await self.store.add(plan)
        return await self.plan(plan.id)

    async def plan(self, plan_id: str) -> Plan:
        plan = await self.store.get(plan_id)
        if plan is None:
            raise NotFound(f"no plan {plan_id}")
        return plan

    async def plans(self, *, organisation_id: str | None, reach: PlanReach | None, offset: int,
                    limit: int) -> list[Plan]:
        """The plans (of one organisation, if named) within `reach` (None: a caller who sees every plan)."""
        return await self.store.listed(organisation_id=organisation_id, reach=reach, offset=offset, limit=limit)

    async def progress(self, plan: Plan) -> dict[str, Any]:
        """Progress from the units' series (one `_id` lookup per unit), and the measures under the plan."""
        readings = await self.series.of_units(plan.unit_ids, plan.kind)
        measures = [m for m in [await self.measures.store.get(mid) for mid in plan.measure_ids] if m]
        return {**rules.progress(plan, readings.values(), self.today()), "units_reporting": len(readings),
                "measures": measures}

    async def add_measure(self, plan_id: str, measure_id: str, *, by: str | None) -> Plan:
        measure = await self.measures.measure(measure_id)
        async with self._locks.hold(PLANS, plan_id):
            plan = await self.plan(plan_id)
            if measure.organisation_id != plan.organisation_id:
                raise RuleViolation(f"measure {measure_id} is not one of organisation {plan.organisation_id}'s")
            if measure_id not in plan.measure_ids:
                if len(plan.measure_ids) >= MAX_PLAN_MEASURES:
                    raise RuleViolation(f"a plan lists at most {MAX_PLAN_MEASURES} measures")
                await self.store.save(plan, changes={"measure_ids": [*plan.measure_ids, measure_id],
                                                     **with_actor(plan.actors, by)})
        return await self.plan(plan_id)

    # -- personal data ------------------------------------------------------------------------

    async def naming(self, person_id: str) -> list[dict[str, Any]]:
        return await self.store.naming(person_id, NAMING_FIELDS)

    async def erase(self, person_id: str, alias: str) -> None:
        """Each plan naming the person gets the pseudonym instead, read again and written under its lock."""
        for plan_id in await self.store.ids_naming(person_id, NAMING_FIELDS):
            async with self._locks.hold(PLANS, plan_id):
                plan = await self.store.get(plan_id)
                if plan is not None:
                    await self.store.save(plan, changes={
                        "actors": renamed(plan.actors, person_id, alias),
                        "owner_ids": renamed(plan.owner_ids, person_id, alias),
                        "created_by": alias if plan.created_by == person_id else plan.created_by})

    # -- the watch ----------------------------------------------------------------------------

    async def overdue_candidates(self, today: date, limit: int = 500) -> list[str]:
        """Plans with a milestone not settled whose date passed (the plans collection is small: one per goal)."""
        return await self.store.watched_before(today.isoformat(), limit)

    async def settle_milestones(self, plan_id: str, today: date) -> list[str]:
        """Announce each passed, unreached milestone once; mark passed reached ones settled. Returns announced ids."""
        async with self._locks.hold(PLANS, plan_id):
            plan = await self.plan(plan_id)
            readings = await self.series.of_units(plan.unit_ids, plan.kind)
            state = {m["id"]: m for m in rules.progress(plan, readings.values(), today)["milestones"]}
            milestones, events = [], []
            for m in plan.milestones:
                if not m["settled"] and date.fromisoformat(m["due_on"]) < today:
                    m = {**m, "settled": True, "announced": state[m["id"]]["overdue"]}
                    if m["announced"]:
                        events.append(MilestoneOverdue(
                            network_id=plan.network_id, organisation_id=plan.organisation_id, plan_id=plan_id,
                            milestone_id=m["id"], due_on=date.fromisoformat(m["due_on"]), kind=plan.kind,
                            target_value=m["value"], current_value=state[m["id"]]["value_at_due"],
                            owner_ids=plan.owner_ids))
                milestones.append(m)
            await self.store.save(plan, changes={"milestones": milestones,
                                                 "watch_from": rules.next_watch_date(milestones)}, events=events)
        if events:
            self._wake_relay()
        return [e.milestone_id for e in events]
