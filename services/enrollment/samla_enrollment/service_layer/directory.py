"""The directory's use cases: register and rename networks, organisations and units; find them; name ids.

Each registration or change is announced with the entry's whole current state
(samla_shared.contract.directory), staged in the entry's own document (the outbox), so
other services keep read models of the names from the events alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.directory import (
    NetworkRegistered,
    NetworkRenamed,
    OrganisationRegistered,
    OrganisationRenamed,
    UnitRegistered,
    UnitRenamed,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.adapters.ports import DirectoryRepository
from samla_enrollment.domain.ids import new_id
from samla_enrollment.domain.directory import changed, check_organisation_number
from samla_enrollment.domain.errors import Conflict, NotFound

NETWORK_FACTS = ("name", "country", "default_language", "time_zone")
ORGANISATION_FACTS = ("name", "kind", "organisation_number")
UNIT_FACTS = ("name", "kind")


def _network_event(kind: type[IntegrationEvent], network: Mapping[str, Any]) -> IntegrationEvent:
    return kind(network_id=network["_id"], **{k: network[k] for k in NETWORK_FACTS})


def _organisation_event(kind: type[IntegrationEvent], organisation: Mapping[str, Any]) -> IntegrationEvent:
    return kind(network_id=organisation["network_id"], organisation_id=organisation["_id"],
                **{k: organisation.get(k) for k in ORGANISATION_FACTS})


def _unit_event(kind: type[IntegrationEvent], unit: Mapping[str, Any]) -> IntegrationEvent:
    return kind(network_id=unit["network_id"], unit_id=unit["_id"], organisation_id=unit["organisation_id"],
                **{k: unit[k] for k in UNIT_FACTS})


class Directory:
    def __init__(self, store: DirectoryRepository, locks: DocumentLocks,
                 on_events_staged: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._locks = locks
        self._wake_relay = on_events_staged

    async def entry(self, kind: str, entry_id: str) -> dict[str, Any]:
        found = await self.store.get(kind, entry_id)
        if found is None:
            raise NotFound(f"no {kind[:-1]} {entry_id}")
        return found

    async def find(self, kind: str, *, q: str | None, offset: int, limit: int,
                   **parents: str | Sequence[str] | None) -> list[dict[str, Any]]:
        """Entries of `kind` under the parents given (`network_id="n1"`, or a list of them: any of those), and
        matching `q` (a part of the name, the id, or the organisation number) if given."""
        under = {field: [value] if isinstance(value, str) else list(value)
                 for field, value in parents.items() if value is not None}
        return await self.store.find(kind, under=under, q=q, offset=offset, limit=limit)

    async def names(self, kind: str, entry_ids: Iterable[str]) -> dict[str, str]:
        return await self.store.names(kind, entry_ids)

    # -- registering ---------------------------------------------------------------------

    async def _register(self, kind: str, data: dict[str, Any], event: Callable[[dict[str, Any]], IntegrationEvent],
                        by: str | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        entry = {**data, "_id": data.pop("id", None) or new_id(), "created_at": now, "updated_at": now,
                 "registered_by": by}
        if not await self.store.add(kind, entry, event(entry)):
            raise Conflict(f"a {kind[:-1]} {entry['_id']} is registered already", **{f"{kind[:-1]}_id": entry["_id"]})
        self._wake_relay()
        return entry

    async def register_network(self, data: dict[str, Any], *, by: str | None) -> dict[str, Any]:
        return await self._register("networks", data, lambda n: _network_event(NetworkRegistered, n), by)

    async def register_organisation(self, data: dict[str, Any], *, by: str | None) -> dict[str, Any]:
        network = await self.entry("networks", data["network_id"])
        check_organisation_number(data.get("organisation_number"), country=network["country"])
        return await self._register("organisations", data,
                                    lambda o: _organisation_event(OrganisationRegistered, o), by)

    async def register_unit(self, data: dict[str, Any], *, by: str | None) -> dict[str, Any]:
        organisation = await self.entry("organisations", data["organisation_id"])
        data = data | {"network_id": organisation["network_id"]}
        return await self._register("units", data, lambda u: _unit_event(UnitRegistered, u), by)

    # -- renaming ------------------------------------------------------------------------

    async def _change(self, kind: str, entry_id: str, changes: Mapping[str, Any],
                      event: Callable[[dict[str, Any]], IntegrationEvent],
                      check: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, Any]:
        async with self._locks.hold(kind, entry_id):
            entry = await self.entry(kind, entry_id)
            differs = changed(entry, changes)
            if not differs:
                return entry
            updated = entry | differs
            if check is not None:
                await check(updated)
            now = datetime.now(UTC)
            await self.store.save(kind, entry_id, differs, now, event(updated))
        self._wake_relay()
        return updated | {"updated_at": now}

    async def change_network(self, network_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        async def numbers_still_fit(network: dict[str, Any]) -> None:
            if "country" in changes:
                for organisation in await self.find("organisations", q=None, offset=0, limit=10_000,
                                                    network_id=network_id):
                    check_organisation_number(organisation.get("organisation_number"), country=network["country"])

        return await self._change("networks", network_id, changes, lambda n: _network_event(NetworkRenamed, n),
                                  numbers_still_fit)

    async def change_organisation(self, organisation_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        async def number_fits(organisation: dict[str, Any]) -> None:
            network = await self.entry("networks", organisation["network_id"])
            check_organisation_number(organisation.get("organisation_number"), country=network["country"])

        return await self._change("organisations", organisation_id, changes,
                                  lambda o: _organisation_event(OrganisationRenamed, o), number_fits)

    async def change_unit(self, unit_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return await self._change("units", unit_id, changes, lambda u: _unit_event(UnitRenamed, u))
