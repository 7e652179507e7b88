"""A unit's team applies for a cohort (issue 16): leader, union and safety representative, optionally more,
chosen by name from the people the portal can list, with one manager; then where the team stands.

Enrollment has no list of a unit's staff, so the people to choose from are those the portal can already show
the person: a leader's own employees who have applied before (the leader inbox, as the employees page lists
them) and the leader themself; a coordinator's applicants to the programme's cohorts. Someone not yet known
is written in by name and e-mail address on the same form.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.people import COORDINATOR_ROLES, SignedIn

# The team's places on the form, in order: the three parties, then room for more members.
TEAM_ROLES = ("leader", "union_representative", "safety_representative", "member", "member")
REQUIRED_ROLES = ("leader", "union_representative", "safety_representative")


@dataclass(frozen=True)
class Colleague:
    """Someone who may be chosen for the team: enrollment knows them by their e-mail address."""

    name: str
    email: str
    unit_id: str | None


@dataclass(frozen=True)
class TeamForm:
    cohort: dict[str, Any]
    programme: dict[str, Any]
    units: list[dict[str, Any]]  # the units a team may come from, each with its organisation's id and name
    people: list[Colleague]
    # Addresses of people the portal sees with an application in this cohort already: enrollment refuses them
    # (409, without saying which member), so the form says it at the member's place first.
    applied_here: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Team:
    team_id: str
    cohort: dict[str, Any]
    programme: dict[str, Any]
    members: list[dict[str, Any]]  # the members' applications, leader first

    @property
    def status(self) -> str:
        return self.members[0]["status"] if self.members else ""

    @property
    def waitlist_position(self) -> int | None:
        return self.members[0].get("waitlist_position") if self.members else None


def slot_fields(index: int) -> tuple[str, str, str]:
    """The form's fields for the team's place `index`: the person chosen, or a name and address written in."""
    return f"member-{index}", f"member-{index}-name", f"member-{index}-email"


def team_members(form: dict[str, str], people: list[Colleague],
                 applied_here: frozenset[str] = frozenset()) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The members the form names (a name written in wins over the list) and what is wrong: the three parties
    are required (the extra places may stay empty), nobody holds two places, nobody has applied already."""
    known = {p.email.casefold(): p for p in people}
    members, errors, taken = [], [], set()
    for index, role in enumerate(TEAM_ROLES):
        chosen, name_field, email_field = slot_fields(index)
        name, email = form.get(name_field, ""), form.get(email_field, "")
        if name or email:
            if not (name and email):
                errors.append({"field": email_field if name else name_field, "message": "required"})
                continue
            member, field = {"name": name, "email": email}, email_field
        elif form.get(chosen) and form[chosen].casefold() in known:
            person = known[form[chosen].casefold()]
            member, field = {"name": person.name, "email": person.email}, chosen
        else:
            if role in REQUIRED_ROLES:
                errors.append({"field": chosen, "message": "required"})
            continue
        # Enrollment refuses a team naming one person twice (422) too; said here, at the place chosen second.
        if member["email"].casefold() in taken:
            errors.append({"field": field, "message": "chosen_twice"})
        elif member["email"].casefold() in applied_here:
            errors.append({"field": field, "message": "applied_already"})
        taken.add(member["email"].casefold())
        members.append({"role": role, "participant": member})
    return members, errors


class Teams:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def form(self, token: str, person: SignedIn, cohort_id: str) -> TeamForm:
        cohort = await self._api.get("enrollment", f"/cohorts/{cohort_id}", token)
        programme = await self._api.get("enrollment", f"/programmes/{cohort['programme_id']}", token)
        if person.is_a(COORDINATOR_ROLES):
            units, applications = await asyncio.gather(self._network_units(token, cohort["network_id"]),
                                                       self._applicants(token, cohort["programme_id"]))
            people = _colleagues(applications)
        else:
            units, applications = await asyncio.gather(self._own_units(token, person), self._employees(token))
            # The leader is on their own team as a rule: first among the people to choose from.
            people = _colleagues(applications, [Colleague(person.name, person.email, next(iter(person.units), None))]
                                 if person.email else [])
        applied_here = frozenset(((a.get("applicant") or {}).get("email") or "").casefold() for a in applications
                                 if a.get("cohort_id") == cohort_id) - {""}
        return TeamForm(cohort, programme, units, people, applied_here)

    async def register(self, token: str, cohort_id: str, found: TeamForm, form: dict[str, str],
                       members: list[dict[str, Any]]) -> dict[str, Any]:
        """The team's application; the organisation is the chosen unit's (enrollment checks the leader's reach)."""
        unit = next((u for u in found.units if u["id"] == form.get("unit_id")), None)
        body = {"organisation_id": unit["organisation_id"] if unit else "", "unit_id": form.get("unit_id", ""),
                "manager": {"name": form.get("manager_name", ""), "email": form.get("manager_email", "")},
                "members": members, "motivation": form.get("motivation") or None}
        return await self._api.post("enrollment", f"/cohorts/{cohort_id}/teams", token, body)

    async def team(self, token: str, person: SignedIn, cohort_id: str, team_id: str) -> Team:
        """The team's members as the person may read them: a coordinator from the cohort's applications, a
        leader from their inbox (which holds every application of their units)."""
        cohort = await self._api.get("enrollment", f"/cohorts/{cohort_id}", token)
        programme = await self._api.get("enrollment", f"/programmes/{cohort['programme_id']}", token)
        if person.is_a(COORDINATOR_ROLES):
            applications = await self._api.get("enrollment", f"/cohorts/{cohort_id}/applications", token, limit=200)
        else:
            applications = (await self._api.get("enrollment", "/inbox/leader", token))["employees"]
        members = [a for a in applications if a.get("team_id") == team_id and a.get("cohort_id") == cohort_id]
        members.sort(key=lambda a: TEAM_ROLES.index(a.get("team_role") or "member"))
        return Team(team_id, cohort, programme, members)

    async def _own_units(self, token: str, person: SignedIn) -> list[dict[str, Any]]:
        async def unit(unit_id: str) -> dict[str, Any]:
            try:
                return await self._api.get("enrollment", f"/units/{unit_id}", token)
            except ApiRefused as refused:
                if refused.status != 404:
                    raise
                # A unit the sign-in names but the directory does not list yet: by its id, in the leader's
                # organisation (enrollment checks the pair when the team is registered).
                return {"id": unit_id, "name": None, "organisation_id": next(iter(person.organisations), "")}

        return await self._with_organisations(token, list(await asyncio.gather(*(unit(u) for u in person.units))))

    async def _network_units(self, token: str, network_id: str) -> list[dict[str, Any]]:
        return await self._with_organisations(
            token, await self._api.get("enrollment", "/units", token, network_id=network_id, limit=200))

    async def _with_organisations(self, token: str, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
        async def organisation(organisation_id: str) -> dict[str, Any]:
            try:
                return await self._api.get("enrollment", f"/organisations/{organisation_id}", token)
            except ApiRefused as refused:
                if refused.status != 404:
                    raise
                return {"id": organisation_id}

        ids = sorted({u["organisation_id"] for u in units if u["organisation_id"]})
        names = {o["id"]: o.get("name") or o["id"] for o in await asyncio.gather(*(organisation(o) for o in ids))}
        shown = [u | {"organisation_name": names.get(u["organisation_id"], u["organisation_id"])} for u in units]
        return sorted(shown, key=lambda u: (u["organisation_name"], u.get("name") or u["id"]))

    async def _employees(self, token: str) -> list[dict[str, Any]]:
        """Every application of the leader's organisation and units (the employees page's source)."""
        return (await self._api.get("enrollment", "/inbox/leader", token))["employees"]

    async def _applicants(self, token: str, programme_id: str) -> list[dict[str, Any]]:
        """The applications to the programme's cohorts, which a coordinator of its network reads."""
        cohorts = await self._api.get("enrollment", "/cohorts", token, programme_id=programme_id, limit=100)
        lists = await asyncio.gather(*(self._api.get("enrollment", f"/cohorts/{c['id']}/applications", token,
                                                     limit=200) for c in cohorts))
        return [a for applications in lists for a in applications]


def _colleagues(applications: list[dict[str, Any]], first: list[Colleague] | None = None) -> list[Colleague]:
    found = list(first or [])
    for application in applications:
        applicant = application.get("applicant") or {}
        if applicant.get("name") and applicant.get("email"):
            found.append(Colleague(applicant["name"], applicant["email"], application.get("unit_id")))
    return _distinct(found)


def _distinct(people: list[Colleague]) -> list[Colleague]:
    """One entry per address, sorted by name as people look for it."""
    seen: dict[str, Colleague] = {}
    for person in people:
        seen.setdefault(person.email.casefold(), person)
    return sorted(seen.values(), key=lambda p: p.name.casefold())
