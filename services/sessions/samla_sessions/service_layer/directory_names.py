"""Names of networks and organisations, kept from enrollment's directory events for printing.

They are not personal data, so they travel in events; a certificate names its issuing
network and an attendance sheet each participant's organisation. The newest event wins
(the roster store's `remember` keeps the latest by event time), so a rename replayed late
changes nothing.
"""

from __future__ import annotations

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.directory import (
    NetworkRegistered,
    NetworkRenamed,
    OrganisationRegistered,
    OrganisationRenamed,
)
from samla_sessions.adapters.ports import RosterRepository


class DirectoryNames:
    def __init__(self, store: RosterRepository) -> None:
        self.store = store

    async def on_network(self, event: CloudEvent) -> None:
        data: NetworkRegistered = event.data  # type: ignore[assignment]
        await self.store.remember("networks", data.network_id, {"name": data.name, "country": data.country},
                                  event.time)

    async def on_organisation(self, event: CloudEvent) -> None:
        data: OrganisationRegistered = event.data  # type: ignore[assignment]
        await self.store.remember("organisations", data.organisation_id, {"name": data.name}, event.time)

    async def network_name(self, network_id: str) -> str:
        known = await self.store.known("networks", network_id)
        return (known or {}).get("name") or network_id

    async def organisation_names(self, organisation_ids: set[str]) -> dict[str, str]:
        names = {}
        for organisation_id in sorted(organisation_ids):
            known = await self.store.known("organisations", organisation_id)
            names[organisation_id] = (known or {}).get("name") or organisation_id
        return names

    def handlers(self) -> dict:
        return {NetworkRegistered: self.on_network, NetworkRenamed: self.on_network,
                OrganisationRegistered: self.on_organisation, OrganisationRenamed: self.on_organisation}
