"""Measure use cases: each one checks the rules, changes the measure and stages its events in one write."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from samla_shared.clock import Clock, local_today, system_clock
from samla_shared.contract.measures import (
    FollowUpOverdue,
    IndicatorChange,
    IndicatorDefinition,
    IndicatorKind,
    IndicatorReading,
    MeasureAdopted,
    MeasureArea,
    MeasureDiscontinued,
    MeasureEvaluated,
    MeasureFollowedUp,
    MeasureOwner,
    MeasureProposed,
    SeriesKind,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import MEASURES, MeasureQuery, MeasureRepository, ToolboxRepository
from samla_measures.domain.ids import new_id
from samla_measures.domain import indicators as indicator_rules
from samla_measures.domain import series as series_rules
from samla_measures.domain.actors import with_actor
from samla_measures.domain.errors import Conflict, NotFound, RuleViolation
from samla_measures.domain.measure import (
    ACTIVE_STATUSES,
    Measure,
    MeasureStatus,
    OwnerRole,
    check_adoption,
    check_consent,
    check_discontinuation_allowed,
    check_evaluation_allowed,
    check_follow_up_allowed,
    check_not_future,
    first_follow_up_due,
    is_overdue,
    next_follow_up_due,
    status_after_follow_up,
)

# What a follow-up reads of its measure: its rules, its event's ids, the caller's scope and the write's
# version check. Not the follow-ups, history, agreements or evaluation, which grow with the measure's life
# and which FerretDB would otherwise encode and PyMongo decode on every follow-up only to be ignored.
FOLLOW_UP_FIELDS = ("id", "version", "status", "adopted_on", "indicators", "follow_up_every_weeks",
                    "follow_up_count", "actors", "owners", "network_id", "organisation_id", "unit_ids", "area")


class MeasuresService:
    def __init__(self, store: MeasureRepository, toolbox: ToolboxRepository, locks: DocumentLocks, *,
                 clock: Clock = system_clock, on_events_staged: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.toolbox = toolbox
        # Every read-modify-write of a measure holds its document lock: FerretDB v1 updates are
        # not atomic (see DocumentLocks), and the outbox relay takes the same lock.
        self._locks = locks
        self.clock = clock
        self._wake_relay = on_events_staged

    def today(self) -> date:
        return local_today(self.clock())

    # -- proposing and party cooperation ------------------------------------------------------

    async def propose(self, data: dict[str, Any], *, by: str | None, measure_id: str | None = None) -> Measure:
        """`by` is the caller (the token's person), kept as `proposed_by` and on every status change.

        `measure_id` is given when the id must be derivable (a measure made from a unit's item).
        """
        if data.get("method_id") and await self.toolbox.get(data["method_id"]) is None:
            raise RuleViolation(f"there is no method {data['method_id']} in the toolbox")
        now, today = self.clock(), self.today()
        measure = Measure(
            id=measure_id or new_id(), network_id=data["network_id"], organisation_id=data["organisation_id"],
            unit_ids=list(data["unit_ids"]), title=data["title"], area=MeasureArea(data["area"]), goal=data["goal"],
            method_id=data.get("method_id"), programme_id=data.get("programme_id"), cohort_id=data.get("cohort_id"),
            facilitator_id=data.get("facilitator_id"), start_date=data.get("start_date"),
            follow_up_every_weeks=data.get("follow_up_every_weeks", 8),
            first_follow_up_after_weeks=data.get("first_follow_up_after_weeks"), session_id=data.get("session_id"),
            dialogue_group=data.get("dialogue_group"), source_item_id=data.get("source_item_id"),
            owners={OwnerRole(o["role"]).value: o["person_id"] for o in data.get("owners", [])},
            indicators=[self._indicator(spec, today) for spec in data.get("indicators", [])],
            status=MeasureStatus.PROPOSED,
            history=[{"status": MeasureStatus.PROPOSED.value, "at": now, "reason": data.get("reason"), "by": by}],
            proposed_by=by, actors=[by] if by else [], created_at=now, updated_at=now,
        )
        event = MeasureProposed(**self._event_ids(measure), method_id=measure.method_id,
                                programme_id=measure.programme_id, cohort_id=measure.cohort_id,
                                facilitator_id=measure.facilitator_id,
                                owners=[MeasureOwner(role=r, person_id=p) for r, p in measure.owners.items()],
                                source_item_id=measure.source_item_id, session_id=measure.session_id,
                                dialogue_group=measure.dialogue_group)
        await self.store.add(measure, event)
        self._wake_relay()
        return measure

    async def consent(self, measure_id: str, role: OwnerRole, person_id: str) -> Measure:
        """`role` and `person_id` are the caller's own (from the token): each party agrees for themself."""
        async with self._changing(measure_id) as measure:
            if measure.consents.get(role.value, {}).get("person_id") == person_id:
                return measure  # the same agreement again: nothing changes
            check_consent(measure.status, measure.owners, role, person_id)
            await self._save(measure, changes={
                f"owners.{role.value}": person_id,
                f"consents.{role.value}": {"person_id": person_id, "agreed_at": self.clock()},
                **with_actor(measure.actors, person_id),
            })
        return await self.measure(measure_id)

    async def adopt(self, measure_id: str, *, adopted_on: date | None, first_follow_up_on: date | None,
                    reason: str | None, by: str | None) -> Measure:
        today = self.today()
        adopted_on = adopted_on or today
        check_not_future(adopted_on, today, "the adoption date")
        async with self._changing(measure_id) as measure:
            check_adoption(measure.status, measure.consents)
            due = first_follow_up_due(adopted_on=adopted_on, every_weeks=measure.follow_up_every_weeks,
                                      first_after_weeks=measure.first_follow_up_after_weeks,
                                      first_on=first_follow_up_on)
            owners = [MeasureOwner(role=role, person_id=measure.consents[role.value]["person_id"])
                      for role in OwnerRole]
            event = MeasureAdopted(**self._event_ids(measure), adopted_on=adopted_on, next_follow_up_due=due,
                                   owners=owners)
            await self._save(measure, changes={
                "status": MeasureStatus.ADOPTED.value, "adopted_on": adopted_on.isoformat(),
                "next_follow_up_due": due.isoformat(), "overdue_announced": False, "adopted_by": by,
                **with_actor(measure.actors, by),
            }, history=self._history(MeasureStatus.ADOPTED, reason, by), events=[event])
        return await self.measure(measure_id)

    # -- indicators ---------------------------------------------------------------------------

    async def add_indicator(self, measure_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        indicator = self._indicator(spec, self.today())
        async with self._changing(measure_id) as measure:
            status = measure.status
            if status not in (MeasureStatus.PROPOSED, *ACTIVE_STATUSES):
                raise Conflict(f"the measure is {status.value}; indicators can no longer be added")
            if len(measure.indicators) >= 20:
                raise RuleViolation("a measure has at most 20 indicators")
            await self._save(measure, changes={}, push={"indicators": indicator})
        return indicator

    def _indicator(self, spec: dict[str, Any], today: date) -> dict[str, Any]:
        defined = indicator_rules.define_indicator(
            kind=IndicatorKind(spec["kind"]), name=spec.get("name"), unit=spec.get("unit"), baseline=spec["baseline"],
            baseline_date=spec["baseline_date"], target=spec["target"], better=spec.get("better"),
            scale_min=spec.get("scale_min"), scale_max=spec.get("scale_max"), today=today)
        series_kind = spec.get("series_kind")
        if series_kind is not None and not series_rules.linkable(defined.kind, SeriesKind(series_kind)):
            raise RuleViolation(f"a {defined.kind.value} indicator can follow only the unit's {defined.kind.value} "
                                f"series, not {SeriesKind(series_kind).value}")
        # The link names the kind only: the series are those of the measure's own units (`<unit>:<kind>`).
        return {"id": new_id(), **defined.as_fields(),
                "series_kind": SeriesKind(series_kind).value if series_kind else None}

    # -- follow-ups ---------------------------------------------------------------------------

    async def follow_up(self, measure_id: str, data: dict[str, Any], *, by: str | None,
                        visible: Callable[[Measure], None] = lambda measure: None) -> dict[str, Any]:
        """`visible(measure)` raises when the caller may not reach the measure (checked on the same read)."""
        today, held_on = self.today(), data["held_on"]
        async with self._changing(measure_id, FOLLOW_UP_FIELDS) as measure:
            visible(measure)
            status = measure.status
            check_follow_up_allowed(status, adopted_on=measure.adopted_on, held_on=held_on, today=today)
            readings = self._checked_readings(measure, data.get("readings", []))
            due = next_follow_up_due(held_on=held_on, every_weeks=measure.follow_up_every_weeks,
                                     next_on=data.get("next_follow_up_on"))
            new_status = status_after_follow_up(status, data["in_practice"])
            follow_up = {
                "id": new_id(), "held_on": held_on.isoformat(), "readings": readings,
                "in_practice": data["in_practice"],
                "worked": data.get("worked", ""), "did_not_work": data.get("did_not_work", ""),
                "next_follow_up_due": due.isoformat(), "recorded_at": self.clock(), "recorded_by": by,
            }
            event = MeasureFollowedUp(
                **self._event_ids(measure), follow_up_id=follow_up["id"], followed_up_on=held_on,
                in_practice=data["in_practice"], next_follow_up_due=due,
                readings=[IndicatorReading(indicator_id=r["indicator_id"], value=r["value"]) for r in readings],
                indicators=self._definitions(measure, {r["indicator_id"] for r in readings}),
            )
            changes = {"next_follow_up_due": due.isoformat(), "overdue_announced": False,
                       "follow_up_count": measure.follow_up_count + 1, **with_actor(measure.actors, by)}
            history = None
            if new_status is not status:
                changes["status"] = new_status.value
                history = self._history(new_status, f"follow-up on {held_on.isoformat()}: "
                                        + ("in practice" if data["in_practice"] else "not in practice"), by)
            await self._save(measure, changes=changes, push={"follow_ups": follow_up}, history=history, events=[event])
        return follow_up

    def _checked_readings(self, measure: Measure, readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        indicators = {i["id"]: i for i in measure.indicators}
        seen: set[str] = set()
        checked = []
        for reading in readings:
            indicator = indicators.get(reading["indicator_id"])
            if indicator is None:
                raise RuleViolation(f"the measure has no indicator {reading['indicator_id']}")
            if reading["indicator_id"] in seen:
                raise RuleViolation(f"indicator {reading['indicator_id']} is read twice in one follow-up")
            seen.add(reading["indicator_id"])
            indicator_rules.check_value(indicator, reading["value"], "the reading")
            checked.append({"indicator_id": reading["indicator_id"], "value": reading["value"]})
        return checked

    async def follow_ups(self, measure_id: str) -> list[dict[str, Any]]:
        return sorted((await self.measure(measure_id)).follow_ups, key=lambda f: (f["held_on"], f["recorded_at"]))

    # -- overdue follow-ups -------------------------------------------------------------------

    async def announce_overdue(self, measure_id: str, today: date) -> bool:
        """Stage FollowUpOverdue for the measure's current due date, once; True if it was staged now."""
        async with self._changing(measure_id) as measure:
            due = measure.next_follow_up_due
            if measure.overdue_announced or not is_overdue(measure.status, due, today):
                return False  # followed up, closed or announced since the scan looked
            assert due is not None
            event = FollowUpOverdue(**self._event_ids(measure), due_on=due)
            await self._save(measure, changes={"overdue_announced": True}, events=[event])
        return True

    async def overdue_candidates(self, today: date, limit: int = 500) -> list[str]:
        return await self.store.overdue_candidates(today.isoformat(), limit)

    # -- closing ------------------------------------------------------------------------------

    async def evaluate(self, measure_id: str, data: dict[str, Any], *, by: str | None) -> Measure:
        today = self.today()
        evaluated_on = data.get("evaluated_on") or today
        async with self._changing(measure_id) as measure:
            check_evaluation_allowed(measure.status, adopted_on=measure.adopted_on,
                                     evaluated_on=evaluated_on, today=today)
            final = self._checked_readings(measure, data.get("final_readings", []))
            latest = self._latest_readings(measure) | {r["indicator_id"]: r["value"] for r in final}
            changes = [
                {"indicator_id": i["id"], "baseline": i["baseline"], "latest": latest[i["id"]],
                 "change": round(latest[i["id"]] - i["baseline"], 4)}
                for i in measure.indicators if i["id"] in latest
            ]
            evaluation = {"evaluated_on": evaluated_on.isoformat(), "summary": data["summary"],
                          "final_readings": final, "indicator_changes": changes, "recorded_at": self.clock(),
                          "recorded_by": by}
            event = MeasureEvaluated(**self._event_ids(measure), evaluated_on=evaluated_on,
                                     indicator_changes=[IndicatorChange(**c) for c in changes],
                                     indicators=self._definitions(measure, {c["indicator_id"] for c in changes}))
            await self._save(measure, changes={"status": MeasureStatus.EVALUATED.value, "evaluation": evaluation,
                                               **with_actor(measure.actors, by)},
                             history=self._history(MeasureStatus.EVALUATED, data.get("reason"), by), events=[event])
        return await self.measure(measure_id)

    async def discontinue(self, measure_id: str, *, reason: str, discontinued_on: date | None,
                          by: str | None) -> Measure:
        today = self.today()
        discontinued_on = discontinued_on or today
        check_not_future(discontinued_on, today, "the discontinuation date")
        async with self._changing(measure_id) as measure:
            check_discontinuation_allowed(measure.status)
            event = MeasureDiscontinued(**self._event_ids(measure), reason=reason)
            await self._save(measure, changes={
                "status": MeasureStatus.DISCONTINUED.value,
                "discontinuation": {"discontinued_on": discontinued_on.isoformat(), "reason": reason,
                                    "decided_by": by},
                **with_actor(measure.actors, by),
            }, history=self._history(MeasureStatus.DISCONTINUED, reason, by), events=[event])
        return await self.measure(measure_id)

    # -- reading ------------------------------------------------------------------------------

    async def measure(self, measure_id: str) -> Measure:
        measure = await self.store.get(measure_id)
        if measure is None:
            raise NotFound(f"no measure {measure_id}")
        return measure

    def is_overdue(self, measure: Measure) -> bool:
        return is_overdue(measure.status, measure.next_follow_up_due, self.today())

    async def measures(self, *, network_id: str | list[str] | None, organisation_id: str | list[str] | None,
                       unit_id: str | list[str] | None, area: MeasureArea | None, status: MeasureStatus | None,
                       overdue: bool | None, offset: int, limit: int) -> list[Measure]:
        """Network, organisation and unit are one id or a list of ids (a caller's scope)."""
        query = MeasureQuery(network_id=network_id, organisation_id=organisation_id, unit_id=unit_id,
                             area=area.value if area else None, status=status.value if status else None,
                             overdue=overdue, today=self.today().isoformat() if overdue is not None else None)
        return await self.store.find(query, offset, limit)

    async def open_in_scope(self, *, organisation_ids: list[str], unit_ids: list[str] | None,
                            limit: int) -> list[Measure]:
        """Measures still open (proposed or active) of the organisations, and of the units if given: an inbox's scope."""
        if not organisation_ids:
            return []
        query = MeasureQuery(organisation_id=organisation_ids, unit_id=unit_ids or None,
                             status=[MeasureStatus.PROPOSED.value, *(s.value for s in ACTIVE_STATUSES)])
        return await self.store.find(query, 0, limit)

    async def unit_effects(self, unit_id: str, network_id: str | None, limit: int = 200) -> list[dict[str, Any]]:
        """For one unit: each of its measures, and how each indicator moved across the follow-ups."""
        effects = []
        for measure in await self.store.for_unit(unit_id, network_id, limit):
            readings: dict[str, list[tuple[str, float]]] = {}
            for follow_up in measure.follow_ups:
                for r in follow_up["readings"]:
                    readings.setdefault(r["indicator_id"], []).append((follow_up["held_on"], r["value"]))
            evaluation = measure.evaluation or {}
            for r in evaluation.get("final_readings", []):
                readings.setdefault(r["indicator_id"], []).append((evaluation["evaluated_on"], r["value"]))
            effects.append({
                "measure": measure,
                "indicators": [{"indicator": i, **indicator_rules.effect(i, readings.get(i["id"], []))}
                               for i in measure.indicators],
            })
        return effects

    # -- plumbing -----------------------------------------------------------------------------

    async def replace_person(self, measure_id: str, changes_of: Callable[[Measure], dict[str, Any]]) -> None:
        """Erasure: write `changes_of(measure)` to the measure, read under its lock; no event (ids only change)."""
        async with self._changing(measure_id) as measure:
            changes = changes_of(measure)
            if changes and not await self.store.save(measure, changes=changes):
                # Another instance wrote it meanwhile: a ConnectionError makes the consumer try again.
                raise ConnectionError(f"measure {measure_id} changed during an erasure; trying again")

    @asynccontextmanager
    async def _changing(self, measure_id: str, fields: tuple[str, ...] | None = None) -> AsyncIterator[Measure]:
        """The measure (only `fields`, if named), read under its document lock for one read-modify-write;
        wakes the relay after."""
        async with self._locks.hold(MEASURES, measure_id):
            measure = await self.store.get(measure_id, fields)
            if measure is None:
                raise NotFound(f"no measure {measure_id}")
            yield measure
        self._wake_relay()

    async def _save(self, measure: Measure, *, changes: dict[str, Any], push: dict[str, Any] | None = None,
                    history: dict[str, Any] | None = None, events: list[Any] = ()) -> None:
        push = dict(push or {})
        if history:
            push["history"] = history
        if not await self.store.save(measure, changes=changes, push=push or None, events=events):
            raise Conflict("the measure was changed at the same time; reload it and try again")

    def _history(self, status: MeasureStatus, reason: str | None, by: str | None) -> dict[str, Any]:
        return {"status": status.value, "at": self.clock(), "reason": reason, "by": by}

    @staticmethod
    def _latest_readings(measure: Measure) -> dict[str, float]:
        latest: dict[str, float] = {}
        for follow_up in sorted(measure.follow_ups, key=lambda f: (f["held_on"], f["recorded_at"])):
            for r in follow_up["readings"]:
                latest[r["indicator_id"]] = r["value"]
        return latest

    @staticmethod
    def _definitions(measure: Measure, indicator_ids: set[str]) -> list[IndicatorDefinition]:
        return [IndicatorDefinition(indicator_id=i["id"], kind=i["kind"], unit=i["unit"], baseline=i["baseline"],
                                    better=i["better"])
                for i in measure.indicators if i["id"] in indicator_ids]

    @staticmethod
    def _event_ids(measure: Measure) -> dict[str, Any]:
        return {"network_id": measure.network_id, "measure_id": measure.id,
                "organisation_id": measure.organisation_id, "unit_ids": measure.unit_ids,
                "area": measure.area}
