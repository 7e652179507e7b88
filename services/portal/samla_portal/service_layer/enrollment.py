"""Use cases over the enrollment API: the coordinator's overview, applying, and the leader's decision."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from samla_portal.adapters.samla_api import SamlaApi
from samla_portal.domain.people import SignedIn


@dataclass(frozen=True)
class CohortOverview:
    cohort: dict[str, Any]
    programme: dict[str, Any]
    applications: list[dict[str, Any]]
    waitlist: list[dict[str, Any]]


class Enrollment:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def programmes(self, token: str) -> list[dict[str, Any]]:
        return await self._api.get("enrollment", "/programmes", token, limit=100, archived=False)

    async def programme(self, token: str, programme_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        programme, cohorts = await asyncio.gather(
            self._api.get("enrollment", f"/programmes/{programme_id}", token),
            self._api.get("enrollment", "/cohorts", token, programme_id=programme_id, limit=100))
        return programme, cohorts

    async def cohort(self, token: str, cohort_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        cohort = await self._api.get("enrollment", f"/cohorts/{cohort_id}", token)
        programme = await self._api.get("enrollment", f"/programmes/{cohort['programme_id']}", token)
        return cohort, programme

    async def cohort_overview(self, token: str, cohort_id: str) -> CohortOverview:
        """The cohort with its applications, and its waitlist in the order seats will be offered."""
        cohort, programme = await self.cohort(token, cohort_id)
        applications, waitlist = await asyncio.gather(
            self._api.get("enrollment", f"/cohorts/{cohort_id}/applications", token, limit=200),
            self._api.get("enrollment", f"/cohorts/{cohort_id}/applications", token, status="waitlisted", limit=200))
        waitlist = sorted(waitlist, key=lambda a: a.get("waitlist_position") or 0)
        return CohortOverview(cohort, programme, applications, waitlist)

    async def apply(self, token: str, cohort_id: str, applicant: SignedIn, form: dict[str, str]) -> dict[str, Any]:
        """The applicant's own name and address come from the sign-in, not from what the form says."""
        body: dict[str, Any] = {
            "participant": {"name": applicant.name, "email": applicant.email or form.get("email", ""),
                            "role": form.get("role") or None},
            "manager": {"name": form.get("manager_name", ""), "email": form.get("manager_email", "")},
            "organisation_id": form.get("organisation_id", ""),
            "unit_id": form.get("unit_id", ""),
            "motivation": form.get("motivation") or None,
        }
        return await self._api.post("enrollment", f"/cohorts/{cohort_id}/applications", token, body)

    async def publish_programme(self, token: str, form: dict[str, str]) -> dict[str, Any]:
        """A coordinator publishes a programme for one of their networks (the service checks which)."""
        body: dict[str, Any] = {
            "code": form.get("code", ""), "title": form.get("title", ""),
            "description": form.get("description", ""), "network_id": form.get("network_id", ""),
            "language": form.get("language") or "nb",
            # An unchecked box is absent from the post: no approval asked of the leader.
            "requires_manager_approval": form.get("requires_manager_approval") == "yes",
            "accepts_anonymous_applications": form.get("accepts_anonymous_applications") == "yes",
        }
        return await self._api.post("enrollment", "/programmes", token, body)

    async def open_cohort(self, token: str, programme_id: str, form: dict[str, str]) -> dict[str, Any]:
        """A cohort of the programme; the window's times are local wall-clock time in the cohort's time zone."""
        body: dict[str, Any] = {
            "programme_id": programme_id, "term": form.get("term", ""), "location": form.get("location", ""),
            "capacity": form.get("capacity", ""), "applications_open_at": form.get("applications_open_at", ""),
            "applications_close_at": form.get("applications_close_at", ""),
            "starts_on": form.get("starts_on") or None,
        }
        return await self._api.post("enrollment", "/cohorts", token, body)

    async def answer_offer(self, token: str, application_id: str, accept: bool) -> dict[str, Any]:
        """The person offered a seat answers for themself (enrollment checks it is theirs)."""
        return await self._api.post("enrollment", f"/applications/{application_id}/offer", token,
                                    {"answer": "accept" if accept else "decline"})

    async def leader_inbox(self, token: str) -> dict[str, Any]:
        """Applications awaiting the leader's decision, and all of their employees' applications."""
        return await self._api.get("enrollment", "/inbox/leader", token)

    async def employees_plans(self, token: str) -> list[dict[str, Any]]:
        """The leader's employees, each with their programmes: cohort, place, start, the cohort's and the
        application's state. From the leader inbox, with each cohort and programme read once."""
        inbox = await self.leader_inbox(token)
        cohort_ids = sorted({a["cohort_id"] for a in inbox["employees"]})
        programme_ids = sorted({a["programme_id"] for a in inbox["employees"]})
        cohorts = await asyncio.gather(*(self._api.get("enrollment", f"/cohorts/{c}", token) for c in cohort_ids))
        programmes = await asyncio.gather(*(self._api.get("enrollment", f"/programmes/{p}", token)
                                            for p in programme_ids))
        cohort_of = dict(zip(cohort_ids, cohorts, strict=True))
        programme_of = dict(zip(programme_ids, programmes, strict=True))
        people: dict[str, dict[str, Any]] = {}
        for application in inbox["employees"]:
            person = people.setdefault(application["participant_id"], {
                "name": (application.get("applicant") or {}).get("name") or application["participant_id"],
                "unit": application.get("unit_name") or application.get("unit_id"), "plans": []})
            person["plans"].append({"application": application, "cohort": cohort_of[application["cohort_id"]],
                                    "programme": programme_of[application["programme_id"]]})
        return sorted(people.values(), key=lambda p: p["name"])

    async def my_applications(self, token: str) -> list[dict[str, Any]]:
        """The signed-in person's own applications, newest first, with status and waitlist place."""
        return (await self._api.get("enrollment", "/inbox/participant", token))["applications"]

    async def application(self, token: str, application_id: str) -> dict[str, Any]:
        return await self._api.get("enrollment", f"/applications/{application_id}", token)

    async def decide(self, token: str, application_id: str, *, approve: bool,
                     reason: str | None) -> dict[str, Any]:
        """The leader decides in their own name: enrollment takes the deciding person from the token."""
        body = {"decision": "approve" if approve else "decline", "reason": reason or None}
        return await self._api.post("enrollment", f"/applications/{application_id}/approval", token, body)
