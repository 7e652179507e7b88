"""Who reaches a unit's own records (series, staff input, dialogue results), and where a unit belongs.

A unit's records carry the network and organisation they were first recorded under; the
directory read model checks that placement like a proposal's (an organisation of another
network, or a unit of another organisation, is refused with 422). Reaching them follows the
measures rule: network coordinators of the network, leaders and the representatives of the
organisation (and of the unit, if their token names units); others get 404.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from samla_shared.security.access import Grant, Hidden
from samla_measures.domain.measure import check_placement
from samla_measures.service_layer.directory import Directory


async def check_unit_place(unit_id: str, network_id: str, organisation_id: str, directory: Directory,
                           access: Grant) -> None:
    """The caller reaches the unit in that organisation and network, and the directory does not contradict it."""
    access.require(f"unit {unit_id}", network_id=network_id, organisation_id=organisation_id, unit_ids=[unit_id])
    placement = await directory.placement(organisation_id, [unit_id])
    check_placement(network_id=network_id, organisation_id=organisation_id, unit_ids=[unit_id],
                    organisation_network=placement.organisation_network,
                    unit_organisations=placement.unit_organisations)


class UnitRecord(Protocol):
    """A unit's record, placed in the network and organisation it was first recorded under."""

    @property
    def network_id(self) -> str: ...

    @property
    def organisation_id(self) -> str: ...


Placed = TypeVar("Placed", bound=UnitRecord)


def require_unit_record(record: Placed | None, unit_id: str, access: Grant, what: str) -> Placed:
    """A unit's record the caller reaches, else 404 (unknown and out of reach look the same)."""
    if record is None or not access.sees(network_id=record.network_id, organisation_id=record.organisation_id,
                                         unit_ids=[unit_id]):
        raise Hidden(f"no {what} of unit {unit_id}")
    return record
