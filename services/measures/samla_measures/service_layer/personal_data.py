"""Erasure and access requests in measures.

The unit series, staff input, plans and competences (PersonHolder) do the same for what they
keep: the recorder of a reading, who sent, ranked or recorded an item, a plan's creator and
owners; a person's completions and places in staff lists are removed.

On ParticipantErased every role a measure gives the person — owner, the one who agreed,
facilitator, the one who proposed or recorded something — is given to the pseudonym `erased:<erasure id>` instead: the measure, its
follow-ups and indicators stay whole, and who agreed in which role still reads
consistently, but no longer leads to a person. The insight counters are kept per
facilitator id; they are sums, and the id in their key names nobody once enrollment has
erased the person (docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.measures import OwnerRole
from samla_shared.personal_data import pseudonym
from samla_measures.adapters.ports import PersonalDataRepository
from samla_measures.domain.actors import renamed
from samla_measures.domain.measure import Measure
from samla_measures.service_layer.measures import MeasuresService

log = logging.getLogger("samla.measures.personal_data")


def renamed_roles(measure: Measure, person_id: str, alias: str) -> dict[str, Any]:
    """The changes (stored fields, dotted paths) that give every role of the person on the measure to the alias."""
    changes: dict[str, Any] = {}
    if measure.facilitator_id == person_id:
        changes["facilitator_id"] = alias
    for role in OwnerRole:
        if measure.owners.get(role.value) == person_id:
            changes[f"owners.{role.value}"] = alias
        if measure.consents.get(role.value, {}).get("person_id") == person_id:
            changes[f"consents.{role.value}.person_id"] = alias
    # Who acted (audit fields): kept as the pseudonym too, so the record still shows that one person acted.
    for name in ("proposed_by", "adopted_by"):
        if getattr(measure, name) == person_id:
            changes[name] = alias
    if person_id in measure.actors:
        changes["actors"] = renamed(measure.actors, person_id, alias)
    for name, by in (("history", "by"), ("follow_ups", "recorded_by")):
        entries = getattr(measure, name) or []
        if any(e.get(by) == person_id for e in entries):
            changes[name] = [{**e, by: alias} if e.get(by) == person_id else e for e in entries]
    for name, by in (("evaluation", "recorded_by"), ("discontinuation", "decided_by")):
        if (getattr(measure, name) or {}).get(by) == person_id:
            changes[f"{name}.{by}"] = alias
    return changes


class PersonHolder(Protocol):
    """Another part of measures that keeps person ids (unit series, staff input, plans, competences)."""

    async def erase(self, person_id: str, alias: str) -> None: ...

    async def naming(self, person_id: str) -> list[dict[str, Any]]: ...


class PersonalData:
    def __init__(self, store: PersonalDataRepository, measures: MeasuresService,
                 others: Mapping[str, PersonHolder] | None = None) -> None:
        self.store = store
        self.measures = measures
        self.others = dict(others or {})

    async def on_erased(self, event: CloudEvent) -> None:
        data: ParticipantErased = event.data  # type: ignore[assignment]
        alias = pseudonym(data.erasure_id)
        ids = await self.store.measure_ids_naming(data.participant_id)
        for measure_id in ids:
            await self.measures.replace_person(measure_id, lambda m: renamed_roles(m, data.participant_id, alias))
        if ids:
            log.info("erasure %s: person replaced by a pseudonym on %d measure(s)", data.erasure_id, len(ids))
        for holder in self.others.values():
            await holder.erase(data.participant_id, alias)

    async def export(self, person_id: str) -> dict[str, Any]:
        return {"person_id": person_id, "service": "measures",
                "measures": await self.store.measures_naming(person_id),
                "insight_contributions": await self.store.insight_contributions(person_id),
                **{name: await holder.naming(person_id) for name, holder in self.others.items()}}
