"""HTTP routes of the directory: networks, member organisations, units (create, rename, get, list, search).

Everyone signed in reads the directory (names of networks, organisations and units are
not personal data); a platform admin registers networks; a network coordinator registers
and renames the organisations and units of their own networks, and renames those networks.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from samla_shared.http.auth import Access, refuse

from samla_enrollment.entrypoints.identity import SIGN_IN
from samla_enrollment.entrypoints.mapping import public
from samla_enrollment.entrypoints.schemas import (
    NetworkCreate,
    NetworkPublic,
    NetworkUpdate,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)
from samla_enrollment.service_layer.directory import Directory

MAX_PAGE = 200


def get_directory(request: Request) -> Directory:
    return request.app.state.directory


Entries = Annotated[Directory, Depends(get_directory)]
Offset = Annotated[int, Query(ge=0, le=100_000, description="How many items to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, at most {MAX_PAGE}.")]
Search = Annotated[str | None, Query(max_length=200, description="Part of the name (any case), an id, or an "
                                                                 "organisation number.")]
NOT_FOUND = {404: {"description": "Unknown id, or outside the caller's networks"}}
TAKEN = {409: {"description": "The id is registered already"}}

networks = APIRouter(prefix="/networks", tags=["directory"], dependencies=SIGN_IN)
organisations = APIRouter(prefix="/organisations", tags=["directory"], dependencies=SIGN_IN)
units = APIRouter(prefix="/units", tags=["directory"], dependencies=SIGN_IN)


def _changes(body: Any) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=True, exclude_none=True)


# -- networks -----------------------------------------------------------------------------

@networks.post("", status_code=status.HTTP_201_CREATED, response_model=NetworkPublic, responses=TAKEN,
               summary="Register a network (announced as NetworkRegistered); platform admin")
async def register_network(body: NetworkCreate, directory: Entries, access: Access) -> NetworkPublic:
    return public(NetworkPublic, await directory.register_network(body.model_dump(mode="json"), by=access.person))


@networks.get("", response_model=list[NetworkPublic], summary="List or search networks")
async def list_networks(directory: Entries, offset: Offset = 0, limit: Limit = 50, q: Search = None,
                        country: str | None = None) -> list[NetworkPublic]:
    found = await directory.find("networks", q=q, offset=offset, limit=limit, country=country)
    return [public(NetworkPublic, n) for n in found]


@networks.get("/{network_id}", response_model=NetworkPublic, responses=NOT_FOUND)
async def get_network(network_id: str, directory: Entries) -> NetworkPublic:
    return public(NetworkPublic, await directory.entry("networks", network_id))


@networks.patch("/{network_id}", response_model=NetworkPublic, responses=NOT_FOUND,
                summary="Rename a network or change its settings (announced as NetworkRenamed)")
async def change_network(network_id: str, body: NetworkUpdate, directory: Entries, access: Access) -> NetworkPublic:
    access.require(f"network {network_id}", network_id=network_id)
    return public(NetworkPublic, await directory.change_network(network_id, _changes(body)))


# -- organisations -------------------------------------------------------------------------

@organisations.post("", status_code=status.HTTP_201_CREATED, response_model=OrganisationPublic,
                    responses=NOT_FOUND | TAKEN,
                    summary="Register a member organisation of a network (announced as OrganisationRegistered)")
async def register_organisation(body: OrganisationCreate, directory: Entries, access: Access) -> OrganisationPublic:
    if not access.sees(network_id=body.network_id):
        raise refuse(f"the caller coordinates no network {body.network_id}")
    return public(OrganisationPublic,
                   await directory.register_organisation(body.model_dump(mode="json"), by=access.person))


@organisations.get("", response_model=list[OrganisationPublic], summary="List or search member organisations")
async def list_organisations(directory: Entries, offset: Offset = 0, limit: Limit = 50, q: Search = None,
                             network_id: str | None = None) -> list[OrganisationPublic]:
    found = await directory.find("organisations", q=q, offset=offset, limit=limit, network_id=network_id)
    return [public(OrganisationPublic, o) for o in found]


@organisations.get("/{organisation_id}", response_model=OrganisationPublic, responses=NOT_FOUND)
async def get_organisation(organisation_id: str, directory: Entries) -> OrganisationPublic:
    return public(OrganisationPublic, await directory.entry("organisations", organisation_id))


@organisations.patch("/{organisation_id}", response_model=OrganisationPublic, responses=NOT_FOUND,
                     summary="Rename an organisation or correct its number (announced as OrganisationRenamed)")
async def change_organisation(organisation_id: str, body: OrganisationUpdate, directory: Entries,
                              access: Access) -> OrganisationPublic:
    organisation = await directory.entry("organisations", organisation_id)
    access.require(f"organisation {organisation_id}", network_id=organisation["network_id"])
    return public(OrganisationPublic, await directory.change_organisation(organisation_id, _changes(body)))


# -- units --------------------------------------------------------------------------------

@units.post("", status_code=status.HTTP_201_CREATED, response_model=UnitPublic, responses=NOT_FOUND | TAKEN,
            summary="Register a unit of an organisation (announced as UnitRegistered)")
async def register_unit(body: UnitCreate, directory: Entries, access: Access) -> UnitPublic:
    organisation = await directory.entry("organisations", body.organisation_id)
    if not access.sees(network_id=organisation["network_id"]):
        raise refuse(f"the caller coordinates no network {organisation['network_id']}")
    return public(UnitPublic, await directory.register_unit(body.model_dump(mode="json"), by=access.person))


@units.get("", response_model=list[UnitPublic], summary="List or search units")
async def list_units(directory: Entries, offset: Offset = 0, limit: Limit = 50, q: Search = None,
                     organisation_id: str | None = None, network_id: str | None = None) -> list[UnitPublic]:
    found = await directory.find("units", q=q, offset=offset, limit=limit, organisation_id=organisation_id,
                                 network_id=network_id)
    return [public(UnitPublic, u) for u in found]


@units.get("/{unit_id}", response_model=UnitPublic, responses=NOT_FOUND)
async def get_unit(unit_id: str, directory: Entries) -> UnitPublic:
    return public(UnitPublic, await directory.entry("units", unit_id))


@units.patch("/{unit_id}", response_model=UnitPublic, responses=NOT_FOUND,
             summary="Rename a unit or change its kind (announced as UnitRenamed)")
async def change_unit(unit_id: str, body: UnitUpdate, directory: Entries, access: Access) -> UnitPublic:
    unit = await directory.entry("units", unit_id)
    access.require(f"unit {unit_id}", network_id=unit["network_id"])
    return public(UnitPublic, await directory.change_unit(unit_id, _changes(body)))


ROUTERS = (networks, organisations, units)
