"""Events of the directory, on `samla.enrollment.v1`: networks, member organisations and units.

The enrollment service owns the directory (see its README). Names of networks,
organisations and units are not personal data, so they travel in these events; other
services keep read models of them to show a name wherever they would show an id. Each
event is keyed by the id of the entry it concerns and carries the entry's whole current
state, so a consumer that keeps only the latest event per key has the directory.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from samla_shared.contract.base import Identifier, IntegrationEvent
from samla_shared.contract.topics import ENROLLMENT_TOPIC

Country = Literal["NO", "DK"]
Language = Literal["nb", "da", "en"]
TimeZone = Literal["Europe/Oslo", "Europe/Copenhagen"]


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    HOSPITAL_TRUST = "hospital_trust"
    REGION = "region"
    OTHER = "other"


class UnitKind(StrEnum):
    WARD = "ward"
    DEPARTMENT = "department"
    HOME_CARE_SERVICE = "home_care_service"
    CLINIC = "clinic"
    NURSING_HOME = "nursing_home"
    OTHER = "other"


class _NetworkFacts(IntegrationEvent):
    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "network_id"

    name: str = Field(min_length=1, max_length=200)
    country: Country
    default_language: Language
    time_zone: TimeZone


class NetworkRegistered(_NetworkFacts):
    """A regional network (learning network, health region, national programme owner) joined the directory."""


class NetworkRenamed(_NetworkFacts):
    """A network's name or settings changed; the event carries its whole current state."""


class _OrganisationFacts(IntegrationEvent):
    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "organisation_id"

    organisation_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    organisation_number: str | None = Field(
        default=None, pattern=r"^[0-9]{8,9}$",
        description="The public register number: 9 digits in Norway (Enhetsregisteret), 8 in Denmark (CVR).")


class OrganisationRegistered(_OrganisationFacts):
    """A member organisation (municipality, hospital trust) joined a network."""


class OrganisationRenamed(_OrganisationFacts):
    """An organisation's name or number changed; the event carries its whole current state."""


class _UnitFacts(IntegrationEvent):
    topic: ClassVar[str] = ENROLLMENT_TOPIC
    key_field: ClassVar[str] = "unit_id"

    unit_id: Identifier
    organisation_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind


class UnitRegistered(_UnitFacts):
    """A unit (ward, department, home-care service) of an organisation joined the directory."""


class UnitRenamed(_UnitFacts):
    """A unit's name or kind changed; the event carries its whole current state."""


EVENTS = (
    NetworkRegistered,
    NetworkRenamed,
    OrganisationRegistered,
    OrganisationRenamed,
    UnitRegistered,
    UnitRenamed,
)
