"""The directory as measures knows it: enrollment's networks, organisations and units, from its events.

Measures uses it for two things: to show names next to ids, and to check where a
proposal is placed (an organisation's network, a unit's organisation). Enrollment owns
the directory; this is a read model, possibly a moment behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.directory import (
    NetworkRegistered,
    NetworkRenamed,
    OrganisationRegistered,
    OrganisationRenamed,
    UnitRegistered,
    UnitRenamed,
)
from samla_measures.adapters.ports import DirectoryRepository, directory_key
from samla_measures.domain.measure import Measure


@dataclass(frozen=True)
class Names:
    """Names of the entries a page shows, by id; an id the directory does not know has no name."""

    networks: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    """What the directory knows of a proposal's organisation and units (None / missing: not known yet)."""

    organisation_network: str | None
    unit_organisations: dict[str, str]


class Directory:
    def __init__(self, store: DirectoryRepository) -> None:
        self.store = store

    # -- from events --------------------------------------------------------------------------

    async def on_network(self, event: CloudEvent) -> None:
        data: Any = event.data
        await self.store.put("network", data.network_id, {
            "name": data.name, "country": data.country, "default_language": data.default_language,
            "time_zone": data.time_zone})

    async def on_organisation(self, event: CloudEvent) -> None:
        data: Any = event.data
        await self.store.put("organisation", data.organisation_id, {
            "name": data.name, "network_id": data.network_id, "kind": data.kind.value,
            "organisation_number": data.organisation_number})

    async def on_unit(self, event: CloudEvent) -> None:
        data: Any = event.data
        await self.store.put("unit", data.unit_id, {
            "name": data.name, "network_id": data.network_id, "organisation_id": data.organisation_id,
            "kind": data.kind.value})

    def handlers(self) -> dict[str, dict[type, Callable[[CloudEvent], Any]]]:
        return {ENROLLMENT_TOPIC: {
            NetworkRegistered: self.on_network, NetworkRenamed: self.on_network,
            OrganisationRegistered: self.on_organisation, OrganisationRenamed: self.on_organisation,
            UnitRegistered: self.on_unit, UnitRenamed: self.on_unit,
        }}

    # -- reading ------------------------------------------------------------------------------

    async def placement(self, organisation_id: str, unit_ids: Iterable[str]) -> Placement:
        units = list(unit_ids)
        found = await self.store.many([directory_key("organisation", organisation_id),
                                       *(directory_key("unit", u) for u in units)])
        organisation = found.get(directory_key("organisation", organisation_id))
        return Placement(
            organisation_network=organisation["network_id"] if organisation else None,
            unit_organisations={u: found[directory_key("unit", u)]["organisation_id"]
                                for u in units if directory_key("unit", u) in found})

    async def names(self, *, networks: Iterable[str] = (), organisations: Iterable[str] = (),
                    units: Iterable[str] = ()) -> Names:
        keys = [*(directory_key("network", n) for n in networks),
                *(directory_key("organisation", o) for o in organisations),
                *(directory_key("unit", u) for u in units)]
        found = await self.store.many(keys)
        by_kind: dict[str, dict[str, str]] = {"network": {}, "organisation": {}, "unit": {}}
        for doc in found.values():
            by_kind[doc["entry"]][doc["id"]] = doc["name"]
        return Names(networks=by_kind["network"], organisations=by_kind["organisation"], units=by_kind["unit"])

    async def names_for_network(self, network_id: str) -> Names:
        """The network's name and every organisation's, in one read that needs no ids from another read
        first (the network insight asks for it beside its counters)."""
        by_kind: dict[str, dict[str, str]] = {"network": {}, "organisation": {}}
        for doc in await self.store.networks_and_organisations(network_id):
            by_kind[doc["entry"]][doc["id"]] = doc["name"]
        return Names(networks=by_kind["network"], organisations=by_kind["organisation"])

    async def names_of_measures(self, measures: Iterable[Measure]) -> Names:
        measures = list(measures)
        return await self.names(networks={m.network_id for m in measures},
                                organisations={m.organisation_id for m in measures},
                                units={u for m in measures for u in m.unit_ids})
