"""Enrollment use cases: each one checks the rules, changes state and stages the events it causes.

Anything that can move a seat goes through the CohortWriter of its cohort; programmes,
interest registrations and reads are handled here directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from samla_shared.contract.enrollment import (
    CohortOpened,
    InterestRegistered,
    ProgrammeArchived,
    ProgrammePublished,
    ProgrammeUpdated,
)
from samla_shared.contract.base import IntegrationEvent
from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.adapters.ports import EnrollmentRepository
from samla_enrollment.domain.ids import new_id
from samla_enrollment.domain.applications import ApplicationStatus
from samla_enrollment.domain.approvals import check_chain
from samla_enrollment.domain.cohorts import ApplicationWindow, CohortStatus, cohort_status, has_started
from samla_enrollment.domain.errors import Conflict, NotFound
from samla_enrollment.domain.interest import check_interest, region_key, still_pending
from samla_enrollment.domain.programmes import changed_fields, ensure_active
from samla_enrollment.domain.transfers import check_target, next_cohort
from samla_enrollment.domain.seating import Seating, queue_slots
from samla_enrollment.domain.transitions import application_view, history_entry
from samla_enrollment.service_layer.cohort_batch import queue_of, seating_of
from samla_enrollment.service_layer.cohort_commands import (
    AnswerOffer,
    ChangeCapacity,
    ChangeStatus,
    DecideApplication,
    ExpireApprovals,
    ExpireOffers,
    OfferFreeSeat,
    SubmitApplication,
    SubmitTeam,
    TransferIn,
    TransferOut,
    WithdrawApplication,
)
from samla_enrollment.service_layer.cohort_writer import CohortWriter
from samla_enrollment.service_layer.directory import Directory
from samla_enrollment.service_layer.integration_events import programme_facts
from samla_enrollment.service_layer.people import Contact, PeopleDirectory


def cohort_view(cohort: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The cohort as people see it: its status now, its seats, and its window in local time."""
    window = ApplicationWindow(cohort["applications_open_at"], cohort["applications_close_at"],
                               cohort.get("time_zone", "Europe/Oslo"))
    seats_taken = cohort.get("seats_taken", len(cohort.get("enrolled", [])))
    seats_free = cohort.get("seats_free", max(cohort["capacity"] - seats_taken, 0))
    manual = CohortStatus(cohort["manual_status"]) if cohort.get("manual_status") else None
    status = cohort_status(manual=manual, window=window, seats_free=seats_free, now=now or datetime.now(UTC))
    return cohort | {
        "status": status.value, "seats_taken": seats_taken, "seats_free": seats_free,
        "waitlist_length": cohort.get("waitlist_length", len(cohort.get("waitlist", []))),
        "seats_on_offer": cohort.get("seats_on_offer", 0),
        "applications_open_at": window.local(window.opens_at), "applications_close_at": window.local(window.closes_at),
    }


def _started(view: dict[str, Any]) -> bool:
    return has_started(status=CohortStatus(view["status"]), starts_on=view.get("starts_on"),
                       time_zone=view.get("time_zone", "Europe/Oslo"), now=datetime.now(UTC))


def _contact_of(person: dict[str, Any] | None, person_id: str) -> dict[str, Any] | None:
    if person is None:
        return None  # erased, or registered by a process that stopped half-way
    return {"person_id": person_id} | {k: person.get(k) for k in ("name", "email", "phone", "language")}


def network_ids(network_id: str | Sequence[str] | None) -> list[str] | None:
    """One network, or a list of them (a caller's scope), as a list; None (or "") for any network."""
    if network_id is None or network_id == "":
        return None
    return [network_id] if isinstance(network_id, str) else list(network_id)


class EnrollmentService:
    def __init__(self, store: EnrollmentRepository, locks: DocumentLocks,
                 on_events_staged: Callable[[], None] = lambda: None, *, directory: Directory,
                 fence: Callable[[], Awaitable[None]] | None = None) -> None:
        self.store = store
        self.directory = directory
        # Every read-modify-write of a document holds that document's lock (FerretDB v1
        # updates are not atomic; see DocumentLocks). Seats are the CohortWriter's business.
        self._locks = locks
        self._wake_relay = on_events_staged
        self.people = PeopleDirectory(store, locks)
        self.cohort_writer = CohortWriter(store, self.people, locks, on_events_staged, fence=fence)

    async def close(self) -> None:
        await self.cohort_writer.close()

    async def reconcile_all(self) -> None:
        """At start-up: bring every cohort that is not completed level with its applications."""
        await self.cohort_writer.reconcile_all(await self.store.cohort_ids_not_completed())

    # -- programmes ------------------------------------------------------------------------

    async def publish_programme(self, data: dict[str, Any], *, by: str | None) -> dict[str, Any]:
        check_chain(data.get("approval_steps") or [])
        now = datetime.now(UTC)
        programme = {"_id": new_id(), **data, "archived": False, "archived_at": None, "created_at": now,
                      "updated_at": now, "audit": [history_entry(now, by or "unknown", None, "published", None)]}
        await self.store.add_programme(programme, ProgrammePublished(**programme_facts(programme)))
        self._wake_relay()
        return programme

    async def programme(self, programme_id: str) -> dict[str, Any]:
        programme = await self.store.programme(programme_id)
        if programme is None:
            raise NotFound(f"no programme {programme_id}")
        return programme

    async def programmes(self, *, network_id: str | Sequence[str] | None, archived: bool | None, offset: int,
                         limit: int) -> list[dict[str, Any]]:
        """`network_id` is one network, or a list of networks (a caller's scope)."""
        return await self.store.programmes(network_ids=network_ids(network_id), archived=archived, offset=offset,
                                           limit=limit)

    async def update_programme(self, programme_id: str, changes: Mapping[str, Any], *, by: str,
                               reason: str | None) -> dict[str, Any]:
        async with self._locks.hold("programmes", programme_id):
            programme = await self.programme(programme_id)
            ensure_active(programme, "it can no longer be changed")
            changed = changed_fields(programme, changes)
            check_chain(changed.get("approval_steps") or [])
            if not changed:
                return programme
            updated = programme | changed
            now = datetime.now(UTC)
            entry = history_entry(now, by, None, "updated", reason, fields=sorted(changed))
            event = ProgrammeUpdated(**programme_facts(updated))
            await self._save_programme(programme_id, changed, entry, event)
        self._wake_relay()
        return updated | {"updated_at": now}

    async def archive_programme(self, programme_id: str, *, by: str, reason: str | None) -> dict[str, Any]:
        async with self._locks.hold("programmes", programme_id):
            programme = await self.programme(programme_id)
            ensure_active(programme, "it is already archived")
            now = datetime.now(UTC)
            changed = {"archived": True, "archived_at": now}
            archived = programme | changed
            entry = history_entry(now, by, "active", "archived", reason)
            event = ProgrammeArchived(network_id=programme["network_id"], programme_id=programme_id, archived_at=now)
            await self._save_programme(programme_id, changed, entry, event)
        self._wake_relay()
        return archived | {"updated_at": now}

    async def _save_programme(self, programme_id: str, changed: dict[str, Any], entry: dict[str, Any],
                              event: IntegrationEvent) -> None:
        try:
            await self.store.save_programme(programme_id, changed, entry, [event])
        finally:  # even when the outcome is unknown: the cohort writer must read the programme again
            self.cohort_writer.programme_changed(programme_id)

    # -- cohorts ---------------------------------------------------------------------------

    async def announce_cohort(self, data: dict[str, Any], *, by: str | None) -> dict[str, Any]:
        programme = await self.programme(data["programme_id"])
        ensure_active(programme, "no new cohorts can be opened")
        window = ApplicationWindow(data["applications_open_at"], data["applications_close_at"], data["time_zone"])
        now = datetime.now(UTC)
        capacity = data["capacity"]
        cohort = {
            "_id": new_id(), **data, "network_id": data.get("network_id") or programme["network_id"],
            "applications_open_at": window.opens_at.astimezone(UTC),
            "applications_close_at": window.closes_at.astimezone(UTC),
            "starts_on": data["starts_on"].isoformat() if data.get("starts_on") else None,
            "manual_status": None, "enrolled": [], "seats_taken": 0, "seats_free": capacity,
            "waitlist_head": 0, "waitlist_left": [], "waitlist_log_length": 0, "waitlist_length": 0, "seat_sequence": 0, "version": 0,
            "audit": [history_entry(now, by or "unknown", None, "announced", None)],
            "created_at": now, "updated_at": now,
        }
        event = CohortOpened(
            network_id=cohort["network_id"], cohort_id=cohort["_id"], programme_id=programme["_id"],
            term=data["term"], location=data["location"], capacity=capacity, time_zone=data["time_zone"],
            applications_open_at=window.opens_at, applications_close_at=window.closes_at,
            starts_on=data.get("starts_on"),
        )
        await self.store.add_cohort(cohort, event)
        self._wake_relay()
        return cohort_view(cohort, now)

    async def cohort(self, cohort_id: str) -> dict[str, Any]:
        cohort = await self.store.cohort_summary(cohort_id)
        if cohort is None:
            raise NotFound(f"no cohort {cohort_id}")
        return cohort_view(cohort)

    async def cohorts(self, *, programme_id: str | None, network_id: str | Sequence[str] | None, term: str | None,
                      status: CohortStatus | None, offset: int, limit: int) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        found = await self.store.cohorts(programme_id=programme_id, network_ids=network_ids(network_id), term=term,
                                         status=status, now=now, offset=offset, limit=limit)
        return [cohort_view(c, now) for c in found]

    async def change_capacity(self, cohort_id: str, capacity: int, *, by: str, reason: str | None) -> dict[str, Any]:
        await self.cohort_writer.execute(cohort_id, ChangeCapacity(capacity, by, reason))
        return await self.cohort(cohort_id)

    async def change_status(self, cohort_id: str, status: CohortStatus, *, by: str,
                            reason: str | None) -> dict[str, Any]:
        await self.cohort_writer.execute(cohort_id, ChangeStatus(status, by, reason))
        return await self.cohort(cohort_id)

    async def cohort_history(self, cohort_id: str) -> list[dict[str, Any]]:
        audit = await self.store.cohort_audit(cohort_id)
        if audit is None:
            raise NotFound(f"no cohort {cohort_id}")
        return audit

    # -- applications ----------------------------------------------------------------------

    async def submit_application(self, cohort_id: str, form: dict[str, Any], *,
                                 participant_id: str | None = None) -> dict[str, Any]:
        """`participant_id`: the signed-in applicant themself; None when the form's address names the person."""
        return await self.cohort_writer.execute(cohort_id, SubmitApplication(form, participant_id))

    async def application(self, application_id: str) -> dict[str, Any]:
        """The application with its status now and its whole history (who, when, from what to what, why)."""
        application = await self._stored_application(application_id)
        cohort = await self.store.cohort(application["cohort_id"], queue=False)
        if cohort is None:
            raise LookupError(f"application {application_id} refers to a missing cohort")
        return application_view(application, await self._seating_around(cohort, application))

    async def _seating_around(self, cohort: dict[str, Any], application: dict[str, Any]) -> Seating:
        """The seating as far as one application needs it: the slice of the queue holding its place,
        found by the hint its insert kept; the whole queue only when that does not find it."""
        if "waitlist" in cohort or cohort.get("teams"):  # whole already / a team's position needs the whole queue
            return seating_of(cohort if "waitlist" in cohort
                              else cohort | {"waitlist_log": await self.store.waitlist_log(cohort)})
        held = application["_id"] in cohort["enrolled"] or any(
            offer["application_id"] == application["_id"] for offer in cohort.get("offers", []))
        slot = application.get("waitlist_slot")
        queue = queue_of(cohort | {"waitlist_log": [None] * cohort.get("waitlist_log_length", 0)})
        slots: list[int] | None
        if held or application["status"] != ApplicationStatus.APPROVED.value:
            slots = []  # a seat, an offer, or no place at all: nothing to read of the queue
        elif slot is not None and slot < len(queue.log) and slot >= queue.head and slot not in queue.left:
            slots = [slot]
        else:
            slots = None
        log = await self.store.waitlist_log(cohort, slots)
        if slots and log[slots[0]] != application["_id"]:  # the place at the hint is another's
            log = await self.store.waitlist_log(cohort)
        return seating_of(cohort | {"waitlist_log": log})

    async def cohort_applications(self, cohort_id: str, *, status: ApplicationStatus | None, offset: int,
                                  limit: int, organisation_id: str | None = None) -> list[dict[str, Any]]:
        cohort = await self.store.cohort(cohort_id, queue=False)
        if cohort is None:
            raise NotFound(f"no cohort {cohort_id}")
        if (status is ApplicationStatus.WAITLISTED and organisation_id is None and "waitlist" not in cohort
                and not cohort.get("teams")):  # a team shares one position, counted over the whole queue
            return await self._queue_page(cohort, offset, limit)
        if "waitlist" not in cohort:  # stored before the queue was paged: the cohort holds it whole
            cohort["waitlist_log"] = await self.store.waitlist_log(cohort)
        seating = seating_of(cohort)
        placed = [*seating.enrolled, *seating.waitlist, *seating.offers]
        if status in (ApplicationStatus.ENROLLED, ApplicationStatus.WAITLISTED, ApplicationStatus.OFFERED):
            # Straight from the seating, so the waitlist comes in queue order (and offers in the order made).
            queue = {ApplicationStatus.ENROLLED: seating.enrolled, ApplicationStatus.WAITLISTED: seating.waitlist,
                     ApplicationStatus.OFFERED: list(seating.offers)}[status]
            if organisation_id is not None:  # the queue holds ids only: narrow it before paging
                found = await self.store.applications_by_id(queue)
                queue = [i for i in queue if i in found and found[i]["organisation_id"] == organisation_id]
            ids = queue[offset:offset + limit]
            found = await self.store.applications_by_id(ids)
            views = [application_view(found[i], seating) for i in ids if i in found]
            return [v for v in views if v["status"] == status.value]
        found = await self.store.cohort_applications(
            cohort_id, organisation_id=organisation_id, status=status.value if status is not None else None,
            # approved and not yet placed
            excluding=placed if status is ApplicationStatus.APPROVED else (), offset=offset, limit=limit)
        return [application_view(a, seating) for a in found]

    async def _queue_page(self, cohort: dict[str, Any], offset: int, limit: int) -> list[dict[str, Any]]:
        """A page of the queue in order, reading only the slices of the queue and the applications on it,
        each by `_id`: the first page and the last cost the same however long the queue is."""
        slots = queue_slots(cohort.get("waitlist_head", 0), cohort.get("waitlist_left", ()),
                            cohort.get("waitlist_log_length", 0), offset, limit)
        cohort = cohort | {"waitlist_log": await self.store.waitlist_log(cohort, slots)}
        seating = seating_of(cohort)
        ids = [cohort["waitlist_log"][slot] for slot in slots]
        found = await self.store.applications_by_id(ids)
        views = [application_view(found[i], seating) for i in ids if i in found]
        return [v for v in views if v["status"] == ApplicationStatus.WAITLISTED.value]

    async def decide(self, application_id: str, *, approve: bool, by: str, reason: str | None,
                     step: int | None = None) -> dict[str, Any]:
        """`step`: the chain step (from 0) the caller was found entitled to decide."""
        application = await self._stored_application(application_id)
        await self.cohort_writer.execute(application["cohort_id"],
                                         DecideApplication(application_id, approve, by, reason, step))
        return await self.application(application_id)

    async def withdraw(self, application_id: str, *, by: str | None, reason: str | None) -> dict[str, Any]:
        application = await self._stored_application(application_id)
        await self.cohort_writer.execute(application["cohort_id"], WithdrawApplication(application_id, by, reason))
        return await self.application(application_id)

    async def submit_team(self, cohort_id: str, form: dict[str, Any]) -> list[dict[str, Any]]:
        """A unit's team applies: one application per member, placed or queued together."""
        return await self.cohort_writer.execute(cohort_id, SubmitTeam(form))

    # -- seat offers -------------------------------------------------------------------------

    async def answer_offer(self, application_id: str, *, accept: bool, by: str, reason: str | None) -> dict[str, Any]:
        application = await self._stored_application(application_id)
        await self.cohort_writer.execute(application["cohort_id"], AnswerOffer(application_id, accept, by, reason))
        return await self.application(application_id)

    async def offer_free_seat(self, cohort_id: str, *, by: str, reason: str | None) -> dict[str, Any]:
        offered = await self.cohort_writer.execute(cohort_id, OfferFreeSeat(by, reason))
        return await self.application(offered["_id"])

    async def expire_due_offers(self, now: datetime | None = None) -> int:
        """Release every offer past its deadline and move its seat on; returns how many cohorts had some.

        The deadlines are stored on the cohorts, so a process started after a deadline passed finds it here.
        """
        due = await self.store.cohort_ids_with_offers_due(now or datetime.now(UTC))
        for cohort_id in due:
            await self.cohort_writer.execute(cohort_id, ExpireOffers())
        return len(due)

    async def expire_due_approvals(self, now: datetime | None = None) -> int:
        """Decline the applications nobody decided before their approval deadline (stored on the cohorts)."""
        due = await self.store.cohort_ids_with_approvals_due(now or datetime.now(UTC))
        for cohort_id in due:
            await self.cohort_writer.execute(cohort_id, ExpireApprovals())
        return len(due)

    # -- transfers ---------------------------------------------------------------------------

    async def transfer(self, application_id: str, *, to_cohort_id: str | None, by: str,
                       reason: str | None) -> dict[str, Any]:
        """Move the application to `to_cohort_id`, or (None) defer it to the next cohort that opens.

        Two writes at two cohorts, in this order: the cohort it leaves moves the application
        (which then names the new cohort) and frees its place; the cohort it joins places it.
        A stop in between leaves an approved application without a place at the new cohort,
        which taking that cohort up (at start-up) places.
        """
        application = await self._stored_application(application_id)
        source = await self.cohort(application["cohort_id"])
        if to_cohort_id is None:
            candidates = await self.store.cohorts(programme_id=source["programme_id"], offset=0, limit=500)
            views = [cohort_view(c) for c in candidates]
            target = dict(next_cohort(source, views, [_started(v) for v in views]))
        else:
            target = await self.cohort(to_cohort_id)
            check_target(source, target, target_started=_started(target))
        there = await self.store.live_application(target["_id"], application["participant_id"])
        if there is not None:
            raise Conflict("this person already has an application in that cohort", application_id=there["_id"])
        await self.cohort_writer.execute(source["_id"], TransferOut(application_id, target["_id"],
                                                                    to_cohort_id is None, by, reason))
        await self.cohort_writer.execute(target["_id"], TransferIn(application_id))
        return await self.application(application_id)

    async def _stored_application(self, application_id: str) -> dict[str, Any]:
        application = await self.store.application(application_id)
        if application is None:
            raise NotFound(f"no application {application_id}")
        return application

    # -- interest in the next cohort -------------------------------------------------------

    async def register_interest(self, programme_id: str, person: dict[str, Any], *, cohort_id: str | None = None,
                                region: str | None = None) -> tuple[dict[str, Any], bool]:
        """Register (or find the still pending) interest; returns it and whether it is new."""
        programme = await self.programme(programme_id)
        now = datetime.now(UTC)
        taking_applications = await self.store.cohort_ids_taking_applications(programme_id, now)
        check_interest(programme_archived=programme.get("archived", False),
                       cohorts_taking_applications=taking_applications)
        [person_id] = ([person["person_id"]] if "person_id" in person
                       else await self.people.identify([Contact.of(person)]))
        # One registration at a time per person and programme, so a double click registers once.
        async with self._locks.hold("interests", f"{programme_id}:{person_id}"):
            latest = await self.store.latest_interest(programme_id, person_id)
            announced = await self.store.latest_cohort_announced_at(programme_id)
            if latest is not None and still_pending(registered_at=latest["registered_at"],
                                                    latest_cohort_announced_at=announced):
                return latest | {"pending": True}, False
            interest = {"_id": new_id(), "programme_id": programme_id, "network_id": programme["network_id"],
                        "person_id": person_id, "cohort_id": cohort_id, "registered_at": now,
                        "region": region_key(region)}
            await self.store.add_interest(interest, InterestRegistered(
                network_id=programme["network_id"], interest_id=interest["_id"], programme_id=programme_id,
                person_id=person_id, region=interest["region"]))
        self._wake_relay()
        return interest | {"pending": True}, True

    async def register_interest_at_cohort(self, cohort_id: str, person: dict[str, Any], *,
                                          region: str | None = None) -> tuple[dict[str, Any], bool]:
        cohort = await self.cohort(cohort_id)
        return await self.register_interest(cohort["programme_id"], person, cohort_id=cohort_id, region=region)

    async def interest_by_region(self, programme_id: str) -> list[dict[str, Any]]:
        """Where people would like the next cohort: registrations per region, most pending first."""
        await self.programme(programme_id)
        announced = await self.store.latest_cohort_announced_at(programme_id)
        counts: dict[str | None, dict[str, Any]] = {}
        for interest in await self.store.interests(programme_id, 0, 0):
            row = counts.setdefault(interest.get("region"), {"region": interest.get("region"), "pending": 0,
                                                              "total": 0})
            row["total"] += 1
            row["pending"] += still_pending(registered_at=interest["registered_at"],
                                            latest_cohort_announced_at=announced)
        return sorted(counts.values(), key=lambda r: (-r["pending"], -r["total"], r["region"] is None,
                                                      r["region"] or ""))

    async def interests(self, programme_id: str, *, offset: int, limit: int) -> list[dict[str, Any]]:
        await self.programme(programme_id)
        announced = await self.store.latest_cohort_announced_at(programme_id)
        return [i | {"pending": still_pending(registered_at=i["registered_at"], latest_cohort_announced_at=announced)}
                for i in await self.store.interests(programme_id, offset, limit)]

    # -- inboxes ----------------------------------------------------------------------------

    async def applications_of(self, person_ids: Iterable[str], *, limit: int) -> list[dict[str, Any]]:
        """The applications these people made (one person's records), each with its status and place now,
        newest first."""
        return await self._with_places(await self.store.applications_of(person_ids, limit=limit))

    async def applications_for_leader(self, manager_ids: Iterable[str], organisation_ids: Iterable[str], *,
                                      limit: int) -> list[dict[str, Any]]:
        """The applications naming one of these managers or made in one of these organisations, each with its
        status and place now, newest first."""
        return await self._with_places(await self.store.applications_for_leader(manager_ids, organisation_ids,
                                                                                limit=limit))

    async def _with_places(self, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seatings: dict[str, Seating] = {}
        for cohort_id in {a["cohort_id"] for a in found}:
            cohort = await self.store.cohort(cohort_id)
            if cohort is not None:
                seatings[cohort_id] = seating_of(cohort)
        views = [application_view(a, seatings[a["cohort_id"]]) for a in found if a["cohort_id"] in seatings]
        return sorted(views, key=lambda a: a["submitted_at"], reverse=True)

    async def with_applicants(self, applications: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each application with its applicant's name and contact details (for callers who reach it)."""
        people = await self.people.names([a["participant_id"] for a in applications])
        return [a | {"applicant": _contact_of(people.get(a["participant_id"]), a["participant_id"])}
                for a in applications]

    async def with_cohorts(self, applications: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each application with what its applicant needs to know of the cohort and programme."""
        summaries = {}
        for cohort_id in {a["cohort_id"] for a in applications}:
            cohort = await self.store.cohort_summary(cohort_id)
            if cohort is not None:
                programme = await self.store.programme(cohort["programme_id"])
                summaries[cohort_id] = {"term": cohort["term"], "location": cohort.get("location"),
                                        "starts_on": cohort.get("starts_on"),
                                        "programme_title": programme["title"] if programme else None}
        return [a | {"cohort": summaries.get(a["cohort_id"])} for a in applications]

    # -- names next to ids ------------------------------------------------------------------

    async def named(self, docs: Sequence[dict[str, Any]], **kinds: str) -> list[dict[str, Any]]:
        """`docs` with the directory's name next to each id field given (`organisation_id="organisations"` adds
        `organisation_name`); None where the directory does not know the id (yet)."""
        names = {field: await self.directory.names(kind, (d.get(field) for d in docs)) for field, kind in kinds.items()}
        return [d | {field.removesuffix("_id") + "_name": names[field].get(d.get(field)) for field in kinds}
                for d in docs]

    # -- contact details -------------------------------------------------------------------

    async def contact(self, person_id: str) -> dict[str, Any]:
        return await self.people.contact(person_id)
