"""Personal data use cases: erasure (GDPR art. 17), access requests (art. 15), and retention.

All three are platform-admin operations (the role check is added at the HTTP layer with
authentication). Enrollment is the only service that knows who a person id is; the other
services learn of an erasure from ParticipantErased and serve their own part of an access
request at their own `GET /people/{id}/data` (see docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.retry import run_periodically
from samla_enrollment.adapters.ports import PersonalDataRepository
from samla_enrollment.domain.ids import new_id
from samla_enrollment.domain.errors import NotFound
from samla_enrollment.domain.privacy import (
    anonymised_application,
    completed_at,
    erasure_networks,
    history_without_reasons,
    retention_expired,
)
from samla_enrollment.service_layer.people import PeopleDirectory

log = logging.getLogger("samla.enrollment.privacy")

# Where the other services serve their part of an access request (named in the export).
OTHER_SERVICES_PART = "GET /people/{person_id}/data at sessions, measures and notifications"


class PersonalData:
    def __init__(self, store: PersonalDataRepository, people: PeopleDirectory, locks: DocumentLocks,
                 on_events_staged: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._people = people
        self._locks = locks
        self._wake_relay = on_events_staged

    # -- erasure ----------------------------------------------------------------------------

    async def erase(self, person_id: str, *, by: str | None) -> dict[str, Any]:
        """Erase the person's personal data here and announce it; the same request again returns the same record.

        The record is written first, so an erasure asked for is never forgotten; the erasing
        writes follow and are run again (here or at the next start) until the record says
        they are done. The write that says so stages ParticipantErased: by the time another
        service hears of it, enrollment hands out no contact details for the person any more.
        """
        async with self._locks.hold("erasures", person_id):
            record = await self.store.erasure(person_id)
            if record is None:
                record = await self._record(person_id, by=by)
            if record.get("completed_at") is None:
                await self._erase_here(record)
            # As stored, so that asking again answers exactly the same (the database keeps milliseconds).
            return await self.erasure(person_id)

    async def erasure(self, person_id: str) -> dict[str, Any]:
        record = await self.store.erasure(person_id)
        if record is None:
            raise NotFound(f"no erasure of person {person_id}")
        return record

    async def finish_unfinished(self) -> None:
        """At start-up: complete erasures a previous process recorded but did not finish."""
        for person_id in await self.store.unfinished_erasures():
            async with self._locks.hold("erasures", person_id):
                record = await self.store.erasure(person_id)
                if record is not None and record.get("completed_at") is None:
                    await self._erase_here(record)

    async def _record(self, person_id: str, *, by: str | None) -> dict[str, Any]:
        person = await self.store.person(person_id)
        applications = await self.store.applications_of(person_id)
        interests = await self.store.interests_of(person_id)
        if person is None and not applications and not interests:
            raise NotFound(f"no person {person_id}")
        now = datetime.now(UTC)
        networks = erasure_networks([a["network_id"] for a in applications] + [i["network_id"] for i in interests])
        record = {"_id": person_id, "erasure_id": new_id(), "person_id": person_id, "requested_by": by,
                  "requested_at": now, "networks": networks, "completed_at": None}
        if not await self.store.add_erasure(record):  # recorded by another process meanwhile
            return await self.erasure(person_id)
        log.info("erasure %s of person %s recorded", record["erasure_id"], person_id)
        return record

    async def _erase_here(self, record: dict[str, Any]) -> dict[str, Any]:
        person_id = record["person_id"]
        now = datetime.now(UTC)
        person = await self.store.person(person_id)
        if person is not None:
            await self._people.forget(person)
        applications = 0
        for application in await self.store.applications_of(person_id):
            if application["participant_id"] != person_id:
                continue  # the person approved someone else's application: that one is not theirs to erase
            await self._anonymise(application["_id"], now, reason="erasure")
            applications += 1
        counts = {"people": await self.store.delete_person(person_id), "applications": applications,
                  "interests": await self.store.delete_interests(person_id)}
        events = [ParticipantErased(network_id=network, participant_id=person_id, erasure_id=record["erasure_id"],
                                    erased_at=now) for network in record["networks"]]
        await self.store.finish_erasure(person_id, now, counts, events)
        self._wake_relay()
        log.info("erasure %s of person %s done here, announced in %s: %s", record["erasure_id"], person_id,
                 record["networks"], counts)
        return record | {"completed_at": now, "erased": counts}

    async def _anonymise(self, application_id: str, now: datetime, *, reason: str) -> None:
        async with self._locks.hold("applications", application_id):
            history = await self.store.application_history(application_id)
            if history is None:
                return
            await self.store.anonymise_application(application_id, anonymised_application(now, reason=reason),
                                                   history_without_reasons(history))

    # -- access request ---------------------------------------------------------------------

    async def export(self, person_id: str) -> dict[str, Any]:
        """Everything enrollment holds about the person (erased people have only their erasure record left)."""
        person = await self.store.person(person_id)
        applications = await self.store.applications_of(person_id)
        interests = await self.store.interests_of(person_id)
        erasure = await self.store.erasure(person_id)
        if person is None and not applications and not interests and erasure is None:
            raise NotFound(f"no person {person_id}")
        return {
            "person_id": person_id, "service": "enrollment",
            "contact": person, "applications": [a for a in applications if a["participant_id"] == person_id],
            "applications_approved_as_manager": [
                {k: a.get(k) for k in ("_id", "cohort_id", "participant_id", "status", "submitted_at")}
                for a in applications if a["manager_id"] == person_id and a["participant_id"] != person_id],
            "interest_registrations": interests, "erasure": erasure,
            "held_elsewhere": OTHER_SERVICES_PART,
        }

    # -- retention --------------------------------------------------------------------------

    async def expire_applications(self, *, retention: timedelta, now: datetime | None = None) -> dict[str, int]:
        """Anonymise applications of cohorts completed longer than `retention` ago. Idempotent."""
        now = now or datetime.now(UTC)
        expired = [c["_id"] for c in await self.store.completed_cohorts()
                   if retention_expired(completed=completed_at(c.get("audit", [])), now=now, retention=retention)]
        applications = await self.store.applications_to_anonymise(expired)
        for application in applications:
            await self._anonymise(application["_id"], now, reason="retention")
        if applications:
            log.info("retention: anonymised %d application(s) of %d cohort(s)", len(applications), len(expired))
        return {"cohorts": len(expired), "applications": len(applications)}


async def run_retention(privacy: PersonalData, *, retention: timedelta, interval: float) -> None:
    """The periodic retention task."""
    await run_periodically(lambda: privacy.expire_applications(retention=retention), every=interval,
                           what="application retention", log=log)
