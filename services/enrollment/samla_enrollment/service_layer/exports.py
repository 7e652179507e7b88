"""A cohort's applicants, waitlist and roster as rows for a spreadsheet.

Each row is one application joined with the applicant's name (and, on the roster,
contact details): these live only in enrollment, which is why these exports are served
here and not by sessions. Status and waitlist position come from the cohort's seating,
exactly as the JSON API shows them.

Organisations and units are named from the directory next to their ids: one `_id` read per
kind for the whole export (FerretDB scans any other filter), never one per row. An id the
directory does not know (an organisation not registered yet) gets an empty name.
"""

from __future__ import annotations

from typing import Any

from samla_enrollment.adapters.ports import EnrollmentRepository, ExportSource
from samla_enrollment.domain.applications import ApplicationStatus, shown_status
from samla_enrollment.domain.errors import NotFound
from samla_enrollment.domain.seating import Placement
from samla_enrollment.service_layer.cohort_batch import seating_of
from samla_enrollment.service_layer.directory import Directory


class CohortExports:
    def __init__(self, store: EnrollmentRepository, reader: ExportSource, directory: Directory) -> None:
        self.store = store
        self.reader = reader
        self.directory = directory

    async def cohort(self, cohort_id: str) -> dict[str, Any]:
        cohort = await self.store.cohort(cohort_id)
        if cohort is None:
            raise NotFound(f"no cohort {cohort_id}")
        return cohort

    async def programme(self, programme_id: str) -> dict[str, Any]:
        return await self.store.programme(programme_id) or {}

    async def network_name(self, network_id: str) -> str | None:
        """The network's name for the sheet's title; None if the directory does not know it."""
        return (await self.directory.names("networks", [network_id])).get(network_id)

    async def applications(self, cohort: dict[str, Any], status: ApplicationStatus | None = None,
                           ) -> list[dict[str, Any]]:
        """Every application of the cohort in submission order (or one status), with the applicant's name."""
        seated = set(cohort["enrolled"])
        queue = seating_of(cohort).positions()

        def view(application: dict[str, Any]) -> dict[str, Any]:
            # As cohort_writer.application_view shows it, with the seat and queue place looked up
            # in a set and a dict built once: Seating.where scans the lists, quadratic for a whole cohort.
            placement = (Placement.ENROLLED if application["_id"] in seated
                         else Placement.WAITLISTED if application["_id"] in queue else None)
            status = shown_status(application["status"], placement)
            return application | {"status": status.value, "waitlist_position": queue.get(application["_id"])
                                  if status is ApplicationStatus.WAITLISTED else None}

        views = [view(a) for a in await self.reader.applications(cohort["_id"])]
        if status is not None:
            views = [v for v in views if v["status"] == status.value]
        return await self._named(views)

    async def waitlist(self, cohort: dict[str, Any]) -> list[dict[str, Any]]:
        """The queue in order, head first."""
        return self._in_order(await self.applications(cohort, ApplicationStatus.WAITLISTED),
                              list(seating_of(cohort).waitlist))

    async def roster(self, cohort: dict[str, Any]) -> list[dict[str, Any]]:
        """Who holds a seat, in the order they got it, with contact details."""
        return self._in_order(await self.applications(cohort, ApplicationStatus.ENROLLED), cohort["enrolled"])

    @staticmethod
    def _in_order(rows: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
        position = {application_id: n for n, application_id in enumerate(order)}
        return sorted(rows, key=lambda r: position.get(r["_id"], len(position)))

    async def _named(self, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        people = await self.reader.people(v["participant_id"] for v in views)
        organisations = await self.directory.names("organisations", (v.get("organisation_id") for v in views))
        units = await self.directory.names("units", (v.get("unit_id") for v in views))
        return [v | {"person": people.get(v["participant_id"], {}),
                     "organisation_name": organisations.get(v.get("organisation_id")),
                     "unit_name": units.get(v.get("unit_id"))}
                for v in views]
