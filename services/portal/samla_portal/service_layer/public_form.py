"""The public application form: where a programme takes applications without signing in.

A signed-out visitor reads the programme, its cohorts and its network's units through the portal's
own client-credentials token (role catalogue_reader at enrollment, which reads nothing personal), and
sends the application without any token, as the visitor's own: enrollment answers 202 "received"
alike for a new application and for an address that applied before, so the portal cannot tell
either and the receipt reveals nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from samla_shared.security.client_credentials import ClientCredentials, CredentialsUnavailable

from samla_portal.adapters.samla_api import ApiRefused, SamlaApi


@dataclass(frozen=True)
class PublicCohort:
    cohort: dict[str, Any]
    programme: dict[str, Any]
    # The network's units to choose one's own from, under their organisation's name.
    organisations: list[dict[str, Any]]


class NotPublic(Exception):
    """The programme takes applications from signed-in applicants only (or there is no such thing)."""


class PublicForm:
    def __init__(self, api: SamlaApi, credentials: ClientCredentials) -> None:
        self._api = api
        self._credentials = credentials

    async def programme(self, programme_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """A programme open to the public form, and its cohorts taking applications now."""
        programme = await self._read(f"/programmes/{programme_id}")
        _require_public(programme)
        cohorts = await self._read("/cohorts", programme_id=programme_id, status="open", limit=100)
        return programme, cohorts

    async def cohort(self, cohort_id: str) -> PublicCohort:
        cohort = await self._read(f"/cohorts/{cohort_id}")
        programme = await self._read(f"/programmes/{cohort['programme_id']}")
        _require_public(programme)
        network = cohort.get("network_id") or programme.get("network_id")
        organisations, units = await asyncio.gather(self._read("/organisations", network_id=network, limit=200),
                                                    self._read("/units", network_id=network, limit=200))
        grouped = [{"id": o["id"], "name": o.get("name") or o["id"],
                    "units": sorted((u for u in units if u.get("organisation_id") == o["id"]),
                                    key=lambda u: u.get("name") or u["id"])}
                   for o in sorted(organisations, key=lambda o: o.get("name") or o["id"])]
        return PublicCohort(cohort, programme, [o for o in grouped if o["units"]])

    async def apply(self, found: PublicCohort, form: dict[str, str], *, forwarded_for: str) -> None:
        """Send the visitor's application; the organisation is the chosen unit's (enrollment checks both)."""
        organisation = next((o["id"] for o in found.organisations
                             if any(u["id"] == form.get("unit_id") for u in o["units"])), "")
        body: dict[str, Any] = {
            "participant": {"name": form.get("name", ""), "email": form.get("email", ""),
                            "phone": form.get("phone") or None, "role": form.get("role") or None,
                            "language": form.get("language") or None},
            "manager": {"name": form.get("manager_name", ""), "email": form.get("manager_email", "")},
            "organisation_id": organisation, "unit_id": form.get("unit_id", ""),
            "motivation": form.get("motivation") or None,
        }
        await self._api.post("enrollment", f"/cohorts/{found.cohort['id']}/applications", None, body,
                             forwarded_for=forwarded_for)

    async def _read(self, path: str, **params: Any) -> Any:
        try:
            return await self._api.get("enrollment", path, await self._token(), **params)
        except ApiRefused as refused:
            if refused.status == 403:
                raise _unreadable(refused) from refused
            if refused.status != 401:
                raise
        # The token was refused (the provider rotated its keys): once more with a fresh one.
        self._credentials.forget()
        try:
            return await self._api.get("enrollment", path, await self._token(), **params)
        except ApiRefused as refused:
            if refused.status in (401, 403):
                raise _unreadable(refused) from refused
            raise

    async def _token(self) -> str:
        try:
            return await self._credentials.token()
        except CredentialsUnavailable as error:
            raise ApiRefused(503, "the identity provider does not answer", str(error)) from error


def _unreadable(refused: ApiRefused) -> ApiRefused:
    """The portal's client was refused: its set-up, not the visitor's doing. Not passed on as 401, which the
    app's handler answers by sending someone who never signed in to sign in."""
    return ApiRefused(503, "the catalogue cannot be read", refused.detail)


def _require_public(programme: dict[str, Any]) -> None:
    if not programme.get("accepts_anonymous_applications") or programme.get("archived"):
        raise NotPublic(programme.get("id"))
