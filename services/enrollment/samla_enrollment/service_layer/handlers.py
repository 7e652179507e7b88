"""Enrollment use cases: each one checks the rules, changes state and stages its events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationSubmitted,
    CohortOpened,
    CompletionRule,
    ParticipantEnrolled,
    ParticipantWaitlisted,
    ParticipantWithdrawn,
    PlannedGathering,
    ProgrammePublished,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.adapters.repository import EnrollmentStore, new_id
from samla_enrollment.domain.errors import Conflict, NotFound
from samla_enrollment.domain.model import (
    ApplicationStatus,
    CohortStatus,
    Seating,
    check_application_allowed,
    cohort_status,
)

class EnrollmentService:
    def __init__(self, store: EnrollmentStore, locks: DocumentLocks,
                 on_events_staged: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._wake_relay = on_events_staged
        # Every read-modify-write of a cohort or application holds that document's lock
        # (FerretDB v1 updates are not atomic; see DocumentLocks). For a cohort this also
        # serialises seat allocation, so seats are never oversold.
        self._locks = locks

    # -- programmes ------------------------------------------------------------------------

    async def publish_programme(self, data: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        programme = {"_id": new_id(), **data, "archived": False, "created_at": now, "updated_at": now}
        event = ProgrammePublished(
            network_id=data["network_id"], programme_id=programme["_id"], code=data["code"], title=data["title"],
            language=data["language"], curriculum_method_ids=data.get("curriculum_method_ids", []),
            gathering_plan=[PlannedGathering(**g) for g in data.get("gathering_plan", [])],
            completion_rule=CompletionRule(**data.get("completion_rule", {})),
        )
        await self.store.add_programme(programme, event)
        self._wake_relay()
        return programme

    async def programme(self, programme_id: str) -> dict[str, Any]:
        programme = await self.store.programme(programme_id)
        if programme is None:
            raise NotFound(f"no programme {programme_id}")
        return programme

    # -- cohorts ---------------------------------------------------------------------------

    async def open_cohort(self, data: dict[str, Any]) -> dict[str, Any]:
        programme = await self.programme(data["programme_id"])
        if programme["archived"]:
            raise Conflict("the programme is archived; no new cohorts can be opened")
        now = datetime.now(UTC)
        cohort = {
            "_id": new_id(), **data, "network_id": programme["network_id"], "manual_status": None,
            "enrolled": [], "waitlist": [], "audit": [], "version": 0, "created_at": now,
        }
        event = CohortOpened(
            network_id=programme["network_id"], cohort_id=cohort["_id"], programme_id=programme["_id"],
            term=data["term"], location=data["location"], capacity=data["capacity"], time_zone=data["time_zone"],
            applications_open_at=data["applications_open_at"], applications_close_at=data["applications_close_at"],
            starts_on=data.get("starts_on"),
        )
        await self.store.add_cohort(cohort, event)
        self._wake_relay()
        return cohort

    async def cohort(self, cohort_id: str) -> dict[str, Any]:
        cohort = await self.store.cohort(cohort_id)
        if cohort is None:
            raise NotFound(f"no cohort {cohort_id}")
        return cohort

    @staticmethod
    def status_of_cohort(cohort: dict[str, Any], now: datetime | None = None) -> CohortStatus:
        seating = Seating(cohort["capacity"], cohort["enrolled"], cohort["waitlist"])
        manual = CohortStatus(cohort["manual_status"]) if cohort.get("manual_status") else None
        return cohort_status(manual=manual, opens_at=cohort["applications_open_at"],
                             closes_at=cohort["applications_close_at"], seats_free=seating.seats_free,
                             now=now or datetime.now(UTC))

    # -- applications ----------------------------------------------------------------------

    async def submit_application(self, cohort_id: str, data: dict[str, Any]) -> dict[str, Any]:
        cohort = await self.cohort(cohort_id)
        programme = await self.programme(cohort["programme_id"])
        now = datetime.now(UTC)
        check_application_allowed(
            programme_archived=programme["archived"], status=self.status_of_cohort(cohort, now),
            opens_at=cohort["applications_open_at"], closes_at=cohort["applications_close_at"], now=now,
        )
        participant = data["participant"]
        participant_id = await self.store.identify_person(
            email=participant["email"], name=participant["name"], phone=participant.get("phone"))
        manager_id = await self.store.identify_person(
            email=data["manager"]["email"], name=data["manager"]["name"], phone=data["manager"].get("phone"))
        requires_approval = programme.get("requires_manager_approval", True)
        status = ApplicationStatus.AWAITING_MANAGER_APPROVAL if requires_approval else ApplicationStatus.APPROVED
        application = {
            "_id": new_id(), "cohort_id": cohort_id, "programme_id": programme["_id"],
            "network_id": cohort["network_id"], "organisation_id": data["organisation_id"], "unit_id": data["unit_id"],
            "participant_id": participant_id, "manager_id": manager_id,
            "role": participant.get("role"), "education": participant.get("education"),
            "motivation": data.get("motivation"), "status": status.value, "submitted_at": now, "updated_at": now,
            "history": [{"at": now, "by": participant_id, "to": status.value, "reason": None}],
        }
        ids = self._ids(application)
        events: list[Any] = [ApplicationSubmitted(**ids, manager_id=manager_id, requires_manager_approval=requires_approval)]
        if not requires_approval:
            events.append(ApplicationApproved(**ids, approved_by="programme-policy"))
        await self.store.add_application(application, *events)
        if not requires_approval:
            await self._place(application)
        self._wake_relay()
        return await self.application(application["_id"])

    async def application(self, application_id: str) -> dict[str, Any]:
        application = await self.store.application(application_id)
        if application is None:
            raise NotFound(f"no application {application_id}")
        if application["status"] == ApplicationStatus.APPROVED.value:
            # Placement is recorded on the cohort (the single source of truth for seats).
            cohort = await self.cohort(application["cohort_id"])
            status, position = Seating(cohort["capacity"], cohort["enrolled"], cohort["waitlist"]).status_of(
                application_id)
            if status is not None:
                application = application | {"status": status.value, "waitlist_position": position}
        return application

    async def decide(self, application_id: str, *, approve: bool, manager_id: str, reason: str | None) -> dict[str, Any]:
        application = await self.application(application_id)
        if application["manager_id"] != manager_id:
            raise Conflict("only the manager named in the application can decide on it")
        if application["status"] != ApplicationStatus.AWAITING_MANAGER_APPROVAL.value:
            raise Conflict(f"the application is {application['status']}, not awaiting approval")
        ids = self._ids(application)
        status = ApplicationStatus.APPROVED if approve else ApplicationStatus.DECLINED
        event = ApplicationApproved(**ids, approved_by=manager_id) if approve else ApplicationDeclined(
            **ids, declined_by=manager_id)
        async with self._locks.hold("applications", application_id):
            changed = await self.store.transition_application(
                application_id, expected=[ApplicationStatus.AWAITING_MANAGER_APPROVAL.value], status=status.value,
                by=manager_id, reason=reason, events=[event])
        if not changed:
            raise Conflict("the application was decided concurrently")
        if approve:
            await self._place(application)
        self._wake_relay()
        return await self.application(application_id)

    async def withdraw(self, application_id: str, *, reason: str | None) -> dict[str, Any]:
        application = await self.application(application_id)
        previous = application["status"]
        if previous in (ApplicationStatus.WITHDRAWN.value, ApplicationStatus.DECLINED.value):
            raise Conflict(f"the application is already {previous}")
        if previous in (ApplicationStatus.ENROLLED.value, ApplicationStatus.WAITLISTED.value):
            await self._unplace(application, reason)
        else:
            ids = self._ids(application)
            # Not placed yet: the withdrawal is the application's own event.
            event = ParticipantWithdrawn(**ids, previous_status=previous)
            async with self._locks.hold("applications", application_id):
                changed = await self.store.transition_application(
                    application_id, expected=[previous], status=ApplicationStatus.WITHDRAWN.value,
                    by=application["participant_id"], reason=reason, events=[event])
            if not changed:
                raise Conflict("the application changed concurrently; reload it and try again")
            self._wake_relay()
            return await self.application(application_id)
        async with self._locks.hold("applications", application_id):
            await self.store.transition_application(
                application_id, expected=[ApplicationStatus.APPROVED.value], status=ApplicationStatus.WITHDRAWN.value,
                by=application["participant_id"], reason=reason, events=[])
        self._wake_relay()
        return await self.application(application_id)

    # -- seats -----------------------------------------------------------------------------

    async def _place(self, application: dict[str, Any]) -> None:
        async with self._locks.hold("cohorts", application["cohort_id"]):
            while True:
                cohort = await self.cohort(application["cohort_id"])
                seating = Seating(cohort["capacity"], list(cohort["enrolled"]), list(cohort["waitlist"]))
                if seating.status_of(application["_id"])[0] is not None:
                    return  # already placed (a retried request)
                status, position = seating.place(application["_id"])
                sequence = cohort["version"] + 1
                ids = self._ids(application)
                event = (ParticipantEnrolled(**ids, via="direct", cohort_sequence=sequence)
                         if status is ApplicationStatus.ENROLLED
                         else ParticipantWaitlisted(**ids, position=position, cohort_sequence=sequence))
                audit = [{"at": datetime.now(UTC), "application_id": application["_id"], "to": status.value,
                          "by": "seat-allocation", "reason": None}]
                if await self.store.save_seating(cohort, enrolled=seating.enrolled, waitlist=seating.waitlist,
                                                 audit=audit, events=[event]):
                    return

    async def _unplace(self, application: dict[str, Any], reason: str | None) -> None:
        async with self._locks.hold("cohorts", application["cohort_id"]):
            while True:
                cohort = await self.cohort(application["cohort_id"])
                seating = Seating(cohort["capacity"], list(cohort["enrolled"]), list(cohort["waitlist"]))
                previous, promoted = seating.withdraw(application["_id"])
                sequence = cohort["version"] + 1
                now = datetime.now(UTC)
                events: list[Any] = [ParticipantWithdrawn(**self._ids(application), previous_status=previous.value,
                                                          cohort_sequence=sequence)]
                audit = [{"at": now, "application_id": application["_id"], "to": "withdrawn",
                          "by": application["participant_id"], "reason": reason}]
                for promoted_id in promoted:
                    promoted_application = await self.store.application(promoted_id)
                    events.append(ParticipantEnrolled(**self._ids(promoted_application), via="waitlist",
                                                      cohort_sequence=sequence))
                    audit.append({"at": now, "application_id": promoted_id, "to": "enrolled",
                                  "by": "waitlist-promotion", "reason": "a seat was freed"})
                if await self.store.save_seating(cohort, enrolled=seating.enrolled, waitlist=seating.waitlist,
                                                 audit=audit, events=events):
                    return

    @staticmethod
    def _ids(application: dict[str, Any]) -> dict[str, str]:
        return {key: application[source] for key, source in (
            ("network_id", "network_id"), ("cohort_id", "cohort_id"), ("programme_id", "programme_id"),
            ("application_id", "_id"), ("participant_id", "participant_id"),
            ("organisation_id", "organisation_id"), ("unit_id", "unit_id"))}
