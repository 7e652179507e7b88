"""Who is signed in, as the portal sees them: the ID token's claims, and what their roles let them do."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

COORDINATOR_ROLES = {"programme_coordinator", "network_coordinator", "platform_admin"}
LEADER_ROLES = {"organisation_leader"}
REPRESENTATIVE_ROLES = {"union_representative", "safety_representative"}
PARTICIPANT_ROLES = {"participant"}
NATIONAL_ROLES = {"national_coordinator"}
# Who runs a cohort's sessions (the sessions API's RUNNER); network coordinators only read them.
SESSION_RUNNERS = {"programme_coordinator", "platform_admin"}


@dataclass(frozen=True)
class Task:
    """One thing a person can do, shown on the front page: a key for its wording and where it is done."""

    key: str
    href: str | None = None  # None: the person is sent a link by mail (an inbox page comes later)


@dataclass(frozen=True)
class SignedIn:
    subject: str
    name: str
    roles: frozenset[str]
    person_id: str | None = None
    email: str | None = None
    networks: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    units: tuple[str, ...] = ()

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "SignedIn":
        def strings(name: str) -> tuple[str, ...]:
            value = claims.get(name) or []
            return tuple(str(v) for v in (value if isinstance(value, list) else [value]))

        return cls(subject=str(claims["sub"]), name=str(claims.get("name") or claims.get("email") or claims["sub"]),
                   roles=frozenset(strings("roles")), person_id=claims.get("person_id"), email=claims.get("email"),
                   networks=strings("networks"), organisations=strings("organisations"), units=strings("units"))

    def claims(self) -> dict[str, Any]:
        """What the session keeps (the inverse of `from_claims`)."""
        return {"sub": self.subject, "name": self.name, "roles": sorted(self.roles), "person_id": self.person_id,
                "email": self.email, "networks": list(self.networks), "organisations": list(self.organisations),
                "units": list(self.units)}

    def is_a(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def tasks(self) -> list[Task]:
        """What the front page offers, by role, most frequent first; a person with several roles gets each set."""
        found: list[Task] = []
        if self.is_a(COORDINATOR_ROLES):
            found.append(Task("programmes", "/programmes"))
        if self.is_a(LEADER_ROLES):
            found.extend([Task("decide_applications", "/applications"), Task("employees", "/employees")])
        if self.is_a(LEADER_ROLES | REPRESENTATIVE_ROLES):
            found.append(Task("agree_measures", "/measures"))
            # Issue 18's pages start from a unit's staff input, which links on to the rest.
            found.extend(Task("unit_workshop", f"/units/{unit}/input") for unit in self.units)
        if self.is_a(PARTICIPANT_ROLES):
            found.extend([Task("apply", "/programmes"), Task("my_page", "/me")])
        if "network_coordinator" in self.roles:
            found.extend(Task("network_insight", f"/networks/{network}") for network in self.networks)
        if self.is_a(NATIONAL_ROLES):
            found.append(Task("national_overview", "/national"))
        return found
