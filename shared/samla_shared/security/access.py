"""Who may call which endpoint, as one declarative table per service.

Each service lists every route with the roles that may call it and how far each role
reaches: everything, its own networks, its own organisation and units, the applications
naming it as manager, or its own data. The table is enforced on every request (a route
without a rule is refused) and rendered into docs/security.md, so the two cannot drift.

A role that may call an endpoint but not reach the resource asked for gets 404, exactly
as if the resource did not exist: existence in another network must not leak.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from samla_shared.security.principal import Principal, Role


class Reach(StrEnum):
    """How far a role's permission on an endpoint extends."""

    ALL = "all"
    NETWORK = "network"            # resources of the networks in the token
    ORGANISATION = "organisation"  # resources of the organisations (and units, if given) in the token
    MANAGED = "managed"            # applications naming the caller as the approving manager
    OWN = "own"                    # the caller's own data (the token's person id)


class Anonymous(StrEnum):
    """What a caller without a token gets (everything else answers 401)."""

    OPEN = "open"                  # no token needed: health, contract documents
    PUBLIC_FORM = "public-form"    # allowed if the programme allows it; rate-limited per client address
    # No token, because calendar applications cannot send one: the unguessable secret in the
    # path is the credential, and the handler refuses (404) one that was never issued or was revoked.
    SECRET_LINK = "secret-link"


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    grants: Mapping[Role, Reach] = field(default_factory=dict)
    anonymous: Anonymous | None = None

    @classmethod
    def of(cls, endpoint: str, *, anonymous: Anonymous | None = None, admin: bool = True,
           **grants: Reach) -> Rule:
        """`Rule.of("GET /programmes", network_coordinator=Reach.NETWORK)`; a platform admin reaches all."""
        method, path = endpoint.split(" ", 1)
        given = {Role(name): reach for name, reach in grants.items()}
        if admin and anonymous not in (Anonymous.OPEN, Anonymous.SECRET_LINK):
            given = {Role.PLATFORM_ADMIN: Reach.ALL, **given}
        return cls(method, path, given, anonymous)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    def reaches_of(self, principal: Principal) -> frozenset[Reach]:
        return frozenset(self.grants[role] for role in principal.roles if role in self.grants)


def operations_rules() -> list[Rule]:
    """Every service's operational endpoints: probes and contract documents open, metrics for ops."""
    return [
        Rule.of("GET /health/live", anonymous=Anonymous.OPEN),
        Rule.of("GET /health/ready", anonymous=Anonymous.OPEN),
        Rule.of("GET /asyncapi.json", anonymous=Anonymous.OPEN),
        Rule.of("GET /openapi.json", anonymous=Anonymous.OPEN),
        Rule.of("GET /metrics", ops=Reach.ALL),
    ]


# FastAPI serves these itself, outside the routes the authoriser sees; they hold no data.
FRAMEWORK_ENDPOINTS = frozenset({"GET /openapi.json", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc"})


@dataclass(frozen=True)
class AccessTable:
    service: str
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        seen = [r.endpoint for r in self.rules]
        duplicates = {e for e in seen if seen.count(e) > 1}
        if duplicates:
            raise ValueError(f"{self.service}: more than one rule for {sorted(duplicates)}")

    @classmethod
    def of(cls, service: str, rules: Iterable[Rule]) -> AccessTable:
        return cls(service, tuple(operations_rules()) + tuple(rules))

    def lookup(self, method: str, path: str) -> Rule | None:
        for rule in self.rules:
            if rule.method == method and rule.path == path:
                return rule
        return None


class Hidden(Exception):
    """The caller may use the endpoint but not reach this resource: answered as 404."""


@dataclass(frozen=True)
class Grant:
    """What one request may reach: the caller and the reaches its roles give on this endpoint."""

    principal: Principal | None
    reaches: frozenset[Reach]

    @classmethod
    def anonymous(cls) -> Grant:
        return cls(None, frozenset())

    @property
    def unrestricted(self) -> bool:
        return Reach.ALL in self.reaches

    @property
    def person(self) -> str | None:
        """The caller as a person of Samla: the token's person id, or its subject."""
        if self.principal is None:
            return None
        return self.principal.person_id or self.principal.subject

    def only(self, reach: Reach) -> bool:
        """The caller reaches this endpoint by `reach` and nothing wider."""
        return self.reaches == {reach}

    def sees(self, *, network_id: str | None = None, organisation_id: str | None = None,
             unit_ids: Iterable[str] = (), person_ids: Iterable[str | None] = (),
             manager_id: str | None = None) -> bool:
        p = self.principal
        if p is None:
            return False
        units = set(unit_ids)
        for reach in self.reaches:
            if reach is Reach.ALL:
                return True
            if reach is Reach.NETWORK and network_id is not None and network_id in p.network_ids:
                return True
            if (reach is Reach.ORGANISATION and organisation_id is not None and organisation_id in p.organisation_ids
                    and (not p.unit_ids or not units or bool(units & p.unit_ids))):
                return True
            if reach is Reach.MANAGED and manager_id is not None and manager_id == self.person:
                return True
            if reach is Reach.OWN and self.person is not None and self.person in set(person_ids):
                return True
        return False

    def require(self, what: str, **resource: object) -> None:
        """Raise Hidden (404) unless the caller reaches the resource described by `resource`."""
        if not self.sees(**resource):  # type: ignore[arg-type]
            raise Hidden(f"no {what}")

    def networks(self, requested: str | None) -> str | list[str] | None:
        """The network filter a list may use: None for no filter, a list (maybe empty) for the caller's networks."""
        if self.unrestricted or Reach.NETWORK not in self.reaches or self.principal is None:
            return requested
        mine = sorted(self.principal.network_ids)
        if requested is not None:
            return [requested] if requested in mine else []
        return mine


# -- the matrix for docs/security.md -----------------------------------------------------------

ROLE_COLUMNS: Sequence[tuple[Role, str]] = (
    (Role.PLATFORM_ADMIN, "platform admin"),
    (Role.NATIONAL_COORDINATOR, "national coordinator"),
    (Role.NETWORK_COORDINATOR, "network coordinator"),
    (Role.PROGRAMME_COORDINATOR, "programme coordinator"),
    (Role.ORGANISATION_LEADER, "organisation leader"),
    (Role.UNION_REPRESENTATIVE, "union representative"),
    (Role.SAFETY_REPRESENTATIVE, "safety representative"),
    (Role.PARTICIPANT, "participant"),
    (Role.INTEGRATOR, "integrator"),
    (Role.OPS, "ops"),
    (Role.CONTACT_READER, "contact reader (service)"),
    (Role.CATALOGUE_READER, "catalogue reader (service)"),
)
REACH_WORDS = {
    Reach.ALL: "all", Reach.NETWORK: "own networks", Reach.ORGANISATION: "own organisation/unit",
    Reach.MANAGED: "as named manager", Reach.OWN: "own data",
}
ANONYMOUS_WORDS = {Anonymous.OPEN: "open", Anonymous.PUBLIC_FORM: "if the programme allows; rate-limited",
                   Anonymous.SECRET_LINK: "with the secret link"}


def render_matrix(tables: Sequence[AccessTable]) -> str:
    """Markdown: one table per service, every endpoint against every role (— is refused)."""
    lines: list[str] = []
    for table in tables:
        lines += [f"### {table.service}", "",
                  "| endpoint | no token | " + " | ".join(label for _, label in ROLE_COLUMNS) + " |",
                  "|---|---|" + "---|" * len(ROLE_COLUMNS)]
        for rule in table.rules:
            anonymous = ANONYMOUS_WORDS[rule.anonymous] if rule.anonymous else "401"
            if rule.anonymous in (Anonymous.OPEN, Anonymous.SECRET_LINK):
                cells = [ANONYMOUS_WORDS[rule.anonymous]] * len(ROLE_COLUMNS)
            else:
                cells = [REACH_WORDS[rule.grants[role]] if role in rule.grants else "—" for role, _ in ROLE_COLUMNS]
            lines.append(f"| `{rule.endpoint}` | {anonymous} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)
