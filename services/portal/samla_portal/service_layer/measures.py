"""Use cases over the measures API: the inboxes, proposing from the toolbox, a party's agreement,
adoption, follow-ups, and each indicator's chart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from samla_shared.clock import local_today
from samla_portal.adapters.samla_api import ApiRefused, SamlaApi
from samla_portal.domain.charts import Chart, chart_of
from samla_portal.domain.people import LEADER_ROLES, REPRESENTATIVE_ROLES, SignedIn

# Which owner role of a measure a token role signs as (party cooperation: each party for themself).
PARTY_OF_ROLE = {"organisation_leader": "leader", "union_representative": "union_representative",
                 "safety_representative": "safety_representative"}
AREAS = ("culture_and_values", "competence_development", "leadership_and_party_cooperation",
         "full_time_culture", "sick_leave_follow_up", "preventive_work_environment")
INDICATOR_KINDS = ("sick_leave_percent", "full_time_share_percent", "turnover_percent", "survey_score", "custom")
# Who runs a measure day to day (adoption, indicators, follow-ups): the measures API's UNIT_WORK.
RUNS_MEASURES = {"organisation_leader", "network_coordinator", "platform_admin"}
ACTIVE = ("adopted", "in_practice")


def parties_of(person: SignedIn) -> list[str]:
    return [party for role, party in PARTY_OF_ROLE.items() if role in person.roles]


def party_to_agree(person: SignedIn, measure: dict[str, Any]) -> str | None:
    """The party this person may still agree for, if any."""
    missing = set(measure.get("missing_agreements") or [])
    return next((party for party in parties_of(person) if party in missing), None)


def decimal(typed: str | None) -> str | None:
    """A number as typed: Norwegians and Danes write a decimal comma (8,5), the API reads a point."""
    return typed.replace(" ", "").replace(",", ".") if typed else typed


def indicator_of(form: dict[str, str], today: date) -> dict[str, Any]:
    """The indicator fields of a form (proposal or a later one) as the API's indicator."""
    kind = form["indicator_kind"]
    indicator: dict[str, Any] = {"kind": kind, "baseline": decimal(form.get("baseline")),
                                 "baseline_date": form.get("baseline_date") or today.isoformat(),
                                 "target": decimal(form.get("target"))}
    if kind in ("custom", "survey_score") and form.get("indicator_name"):
        indicator["name"] = form["indicator_name"]
    if kind == "custom":
        indicator["unit"] = form.get("indicator_unit") or None
    if kind in ("custom", "survey_score"):
        indicator["better"] = form.get("better") or "up"
    return indicator


@dataclass(frozen=True)
class MeasurePage:
    measure: dict[str, Any]
    follow_ups: list[dict[str, Any]]
    charts: list[Chart]
    method: dict[str, Any] | None


class Measures:
    def __init__(self, api: SamlaApi, time_zone: str) -> None:
        self._api = api
        self._zone = ZoneInfo(time_zone)

    def _today(self) -> date:
        """An empty date field means today where the unit is (the measures API keeps the same calendar)."""
        return local_today(zone=self._zone)

    async def measure(self, token: str, measure_id: str) -> dict[str, Any]:
        return await self._api.get("measures", f"/measures/{measure_id}", token)

    async def page(self, token: str, measure_id: str) -> MeasurePage:
        """The measure, its follow-ups, a chart per indicator, and the toolbox method it follows."""
        found, follow_ups = await asyncio.gather(
            self.measure(token, measure_id), self._api.get("measures", f"/measures/{measure_id}/follow-ups", token))
        method = None
        if found.get("method_id"):
            try:
                method = await self._api.get("measures", f"/toolbox/{found['method_id']}", token)
            except ApiRefused as refused:
                if refused.status != 404:
                    raise
        return MeasurePage(found, follow_ups, [chart_of(i, follow_ups) for i in found["indicators"]], method)

    async def inbox(self, token: str, person: SignedIn) -> dict[str, list[dict[str, Any]]]:
        """What waits for the person: a leader's inbox, a representative's, or both for someone who is both."""
        found: dict[str, list[dict[str, Any]]] = {}
        calls = []
        if person.is_a(LEADER_ROLES):
            calls.append(self._api.get("measures", "/inbox/leader", token))
        if person.is_a(REPRESENTATIVE_ROLES):
            calls.append(self._api.get("measures", "/inbox/representative", token))
        for inbox in await asyncio.gather(*calls):
            for key, measures in inbox.items():
                seen = {m["id"] for m in found.setdefault(key, [])}
                found[key].extend(m for m in measures if m["id"] not in seen)
        return found

    async def toolbox(self, token: str, person: SignedIn) -> list[dict[str, Any]]:
        network = person.networks[0] if person.networks else None
        return await self._api.get("measures", "/toolbox", token, network_id=network, limit=100)

    async def propose(self, token: str, person: SignedIn, form: dict[str, str]) -> dict[str, Any]:
        """A leader proposes for their own unit; they own it as the leader, the representatives are not
        named, so whichever representative of the unit signs in agrees for their party."""
        body: dict[str, Any] = {
            "network_id": form["network_id"], "organisation_id": form["organisation_id"],
            "unit_ids": [form["unit_id"]], "title": form["title"], "area": form["area"], "goal": form["goal"],
            "method_id": form.get("method_id") or None,
            "owners": [{"role": "leader", "person_id": person.person_id or person.subject}]
            if person.is_a(LEADER_ROLES) else [],
        }
        if form.get("indicator_kind"):
            body["indicators"] = [indicator_of(form, self._today())]
        return await self._api.post("measures", "/measures", token, body)

    async def add_indicator(self, token: str, measure_id: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._api.post("measures", f"/measures/{measure_id}/indicators", token,
                                     indicator_of(form, self._today()))

    async def agree(self, token: str, measure_id: str, person: SignedIn, party: str) -> dict[str, Any]:
        # The person comes from the token at the measures service; only the party role is said here.
        return await self._api.post("measures", f"/measures/{measure_id}/consents", token, {"role": party})

    async def adopt(self, token: str, measure_id: str) -> dict[str, Any]:
        return await self._api.post("measures", f"/measures/{measure_id}/adoption", token, {})

    async def follow_up(self, token: str, measure_id: str, form: dict[str, Any],
                        readings: dict[str, str]) -> dict[str, Any]:
        return await self._api.post("measures", f"/measures/{measure_id}/follow-ups", token, {
            "held_on": form.get("held_on") or self._today().isoformat(),
            "readings": [{"indicator_id": i, "value": decimal(v)} for i, v in readings.items() if v != ""],
            "worked": form.get("worked", ""), "did_not_work": form.get("did_not_work", ""),
            "in_practice": form.get("in_practice") == "yes",
        })
