"""Who is calling, and what their roles let them reach."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    NATIONAL_COORDINATOR = "national_coordinator"  # the national overview across regions
    NETWORK_COORDINATOR = "network_coordinator"
    PROGRAMME_COORDINATOR = "programme_coordinator"
    ORGANISATION_LEADER = "organisation_leader"
    UNION_REPRESENTATIVE = "union_representative"  # tillitsvalgt, scoped to organisation and units
    SAFETY_REPRESENTATIVE = "safety_representative"  # verneombud, scoped to organisation and units
    PARTICIPANT = "participant"
    CONTACT_READER = "contact_reader"  # a service (notifications) reading contact details, nothing else
    CATALOGUE_READER = "catalogue_reader"  # a service (sessions) reading the toolbox's method names, nothing else
    INTEGRATOR = "integrator"
    OPS = "ops"


@dataclass(frozen=True)
class Principal:
    """The verified caller. Scopes limit where a role applies; an admin is not limited."""

    subject: str
    roles: frozenset[Role]
    network_ids: frozenset[str] = field(default_factory=frozenset)
    organisation_ids: frozenset[str] = field(default_factory=frozenset)
    unit_ids: frozenset[str] = field(default_factory=frozenset)
    person_id: str | None = None
    # What the identity provider vouches for about the person (OIDC `name`, `email`); an
    # address the provider marks unverified (`email_verified: false`) is not taken.
    name: str | None = None
    email: str | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        def strings(name: str) -> frozenset[str]:
            value = claims.get(name) or []
            return frozenset(str(v) for v in (value if isinstance(value, list) else [value]))

        known = {r.value for r in Role}
        return cls(
            subject=str(claims["sub"]),
            roles=frozenset(Role(r) for r in strings("roles") if r in known),
            network_ids=strings("networks"),
            organisation_ids=strings("organisations"),
            unit_ids=strings("units"),
            person_id=claims.get("person_id"),
            name=str(claims["name"]) if claims.get("name") else None,
            email=str(claims["email"]).lower() if claims.get("email") and claims.get("email_verified") is not False
            else None,
        )

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def reaches_network(self, network_id: str | None) -> bool:
        return self.is_admin or (network_id is not None and network_id in self.network_ids)

    def reaches_organisation(self, organisation_id: str | None) -> bool:
        return self.is_admin or (organisation_id is not None and organisation_id in self.organisation_ids)

    def networks_filter(self) -> Iterable[str] | None:
        """The networks a list may show: None means all (admin)."""
        return None if self.is_admin else sorted(self.network_ids)
