"""Use cases of a unit's staff input: items from staff and from workshop groups, prioritised, made measures.

A unit's items and dialogue results are one record (StaffInput, one document per unit) changed under its
lock; the anonymous link finds its unit through `input_links` (`_id` the token's hash), and
the unit document names the current hash, so a replaced link stops working at once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from samla_shared.clock import Clock
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import InputLinkRepository, StaffInputRepository
from samla_measures.domain.ids import new_id
from samla_measures.domain import unit_input as rules
from samla_measures.domain.actors import renamed, with_actor
from samla_measures.domain.errors import Conflict, NotFound, RuleViolation
from samla_measures.domain.measure import Measure
from samla_measures.domain.unit_input import DialogueResult, Item, ItemSource, ItemStatus, StaffInput
from samla_measures.service_layer.measures import MeasuresService

UNIT_INPUT = "unit_input"
# Measures made from items get an id derived from the item, so a retry finds the same measure.
ITEM_MEASURES = uuid.UUID("6f0d1c52-3a8e-4d55-9b0e-5a2f8e7c1d40")


class UnitInput:
    def __init__(self, store: StaffInputRepository, links: InputLinkRepository, locks: DocumentLocks,
                 measures: MeasuresService, clock: Clock) -> None:
        """`store`: the units' input (UNIT_INPUT); `links`: their secret links."""
        self.store = store
        self.links = links
        self._locks = locks
        self.measures = measures
        self.clock = clock

    # -- the unit's input ---------------------------------------------------------------------

    async def unit(self, unit_id: str) -> StaffInput | None:
        return await self.store.get(unit_id)

    @asynccontextmanager
    async def _changing(self, unit_id: str, place: tuple[str, str] | None = None) -> AsyncIterator[StaffInput]:
        """The unit's input under its lock; created (empty) with `place` = (network, organisation) if new."""
        async with self._locks.hold(UNIT_INPUT, unit_id):
            unit = await self.store.get(unit_id)
            if unit is None:
                if place is None:
                    raise NotFound(f"unit {unit_id} has no input yet")
                await self.store.add(StaffInput(unit_id=unit_id, network_id=place[0], organisation_id=place[1]))
                unit = await self.store.get(unit_id)
                assert unit is not None
            elif place is not None and (unit.network_id, unit.organisation_id) != place:
                raise RuleViolation(f"unit {unit_id} belongs to organisation {unit.organisation_id} of network "
                                    f"{unit.network_id}", unit_id=unit_id)
            yield unit

    # -- the link ------------------------------------------------------------------------------

    async def new_link(self, unit_id: str, place: tuple[str, str], by: str | None) -> str:
        """A new secret link for the unit; the previous one stops working. Returns the token (shown once)."""
        token, hashed = rules.new_link_token()
        await self.links.add(hashed, unit_id, self.clock())
        async with self._changing(unit_id, place) as unit:
            old = unit.link_hash
            await self.store.save(unit, changes={"link_hash": hashed, "link_created_at": self.clock(),
                                                 **with_actor(unit.actors, by)})
        if old:
            await self.links.remove(old)
        return token

    async def unit_of_link(self, token: str) -> str:
        hashed = rules.link_hash(token)
        linked_unit = await self.links.unit_of(hashed)
        unit = await self.store.get(linked_unit) if linked_unit else None
        if unit is None or unit.link_hash != hashed:
            raise NotFound("this link is not (or no longer) a unit's input link")
        return unit.unit_id

    # -- items ---------------------------------------------------------------------------------

    async def submit_through_link(self, token: str, data: dict[str, Any], *, by: str | None) -> Item:
        """Staff send an item through the unit's current link, signed in (`by`) or anonymously."""
        unit_id = await self.unit_of_link(token)
        return await self.submit(unit_id, data, by=by, source=rules.source_through_link(by))

    async def submit(self, unit_id: str, data: dict[str, Any], *, by: str | None, source: ItemSource,
                     place: tuple[str, str] | None = None) -> Item:
        item = Item(id=new_id(), text=rules.check_text(data["text"]), area=data["area"].value, kind=data["kind"],
                    source=source, submitted_by=by, submitted_at=self.clock())
        async with self._changing(unit_id, place) as unit:
            rules.check_room(unit.items)
            await self.store.save(unit, changes=with_actor(unit.actors, by), push={"items": item})
        return item

    async def items(self, unit_id: str, *, status: ItemStatus | None, area: str | None) -> list[Item]:
        unit = await self.store.get(unit_id)
        found = [i for i in (unit.items if unit else [])
                 if (status is None or i.status is status) and (area is None or i.area == area)]
        return sorted(found, key=rules.listed_order)

    async def prioritise(self, unit_id: str, item_id: str, *, rank: int | None, reason: str | None,
                         by: str | None, as_role: str | None) -> Item:
        async with self._changing(unit_id) as unit:
            item = self._item(unit.items, item_id)
            item = replace(item, status=rules.prioritised(item, rank=rank), rank=rank, prioritised_by=by,
                           prioritised_as=as_role, prioritised_at=self.clock(), reason=reason)
            await self.store.save(unit, changes={"items": self._with(unit.items, item), **with_actor(unit.actors, by)})
        return item

    @staticmethod
    def _item(items: list[Item], item_id: str) -> Item:
        for item in items:
            if item.id == item_id:
                return item
        raise NotFound(f"no item {item_id}")

    @staticmethod
    def _with(items: list[Item], changed: Item) -> list[Item]:
        """The unit's items with `changed` in its place."""
        return [changed if item.id == changed.id else item for item in items]

    async def item(self, unit_id: str, item_id: str) -> Item:
        unit = await self.store.get(unit_id)
        if unit is None:
            raise NotFound(f"no item {item_id}")
        return self._item(unit.items, item_id)

    async def propose_measure(self, unit_id: str, item_id: str, data: dict[str, Any], *,
                              by: str | None) -> Measure:
        """Propose the prioritised item as a measure of the unit, keeping the link both ways.

        Two documents change (the new measure, then the item); the measure's id is derived from
        the item, so a retry after a failure between the two finds the measure and only links it.
        """
        measure_id = uuid.uuid5(ITEM_MEASURES, f"{unit_id}/{item_id}").hex
        async with self._changing(unit_id) as unit:
            item = self._item(unit.items, item_id)
            rules.check_can_become_measure(item)
            try:
                measure = await self.measures.propose(
                    {**data, "network_id": unit.network_id, "organisation_id": unit.organisation_id,
                     "unit_ids": [unit_id], "area": data.get("area") or item.area, "source_item_id": item_id,
                     "session_id": item.session_id, "dialogue_group": item.dialogue_group},
                    by=by, measure_id=measure_id)
            except Conflict:
                measure = await self.measures.measure(measure_id)  # made by an attempt that stopped half-way
            item = replace(item, status=ItemStatus.PROPOSED, measure_id=measure.id)
            await self.store.save(unit, changes={"items": self._with(unit.items, item), **with_actor(unit.actors, by)})
        return measure

    # -- dialogue results ---------------------------------------------------------------------

    async def record_result(self, unit_id: str, data: dict[str, Any], *, place: tuple[str, str],
                            by: str | None) -> DialogueResult:
        """A group's result from the dialogue cloth; its agreed next step joins the unit's items."""
        now = self.clock()
        item = Item(id=new_id(), text=rules.check_text(data["next_step"]), area=data["area"].value, kind="idea",
                    source=ItemSource.DIALOGUE, submitted_by=by, submitted_at=now,
                    session_id=data["session_id"], dialogue_group=data["group"], keywords=data["keywords"],
                    why=data["why"])
        result = DialogueResult(id=new_id(), session_id=data["session_id"], group=data["group"],
                                keywords=data["keywords"], why=data["why"], next_step=data["next_step"],
                                area=data["area"].value, recorded_by=by, recorded_at=now, item_id=item.id)
        async with self._changing(unit_id, place) as unit:
            rules.check_new_result(unit.dialogue_results, data["session_id"], data["group"])
            rules.check_room(unit.items, unit.dialogue_results)
            await self.store.save(unit, changes=with_actor(unit.actors, by),
                                  push={"items": item, "dialogue_results": result})
        return result

    async def results(self, unit_id: str, session_id: str | None) -> list[DialogueResult]:
        unit = await self.store.get(unit_id)
        found = [r for r in (unit.dialogue_results if unit else []) if session_id in (None, r.session_id)]
        return sorted(found, key=lambda r: (r.session_id, r.group))

    # -- personal data ------------------------------------------------------------------------

    async def naming(self, person_id: str) -> list[dict[str, Any]]:
        """The units' input where the person sent, ranked or recorded something (all of it kept in `actors`),
        as stored."""
        return await self.store.naming(person_id)

    async def erase(self, person_id: str, alias: str) -> None:
        """Each unit's input naming the person gets the pseudonym instead, read again and written under its lock."""
        def renamed_item(item: Item) -> Item:
            return replace(item, **{k: alias for k in ("submitted_by", "prioritised_by")
                                    if getattr(item, k) == person_id})

        for unit_id in await self.store.ids_naming(person_id, ("actors",)):
            async with self._locks.hold(UNIT_INPUT, unit_id):
                unit = await self.store.get(unit_id)
                if unit is not None:
                    await self.store.save(unit, changes={
                        "items": [renamed_item(i) for i in unit.items],
                        "dialogue_results": [replace(r, recorded_by=alias) if r.recorded_by == person_id else r
                                             for r in unit.dialogue_results],
                        "actors": renamed(unit.actors, person_id, alias)})
