"""CohortWriter: the one writer of each cohort's seats, applying queued commands in batches.

Every command that can change who holds a seat — a submission, a manager's decision, a
withdrawal, a change of capacity or status — is queued under its cohort. One task per
busy cohort takes everything queued, applies the commands in arrival order to the
seating in memory, and writes the cohort once: the new seating and the events
describing it, in one document write.

- Seats are never oversold: a cohort has exactly one writer, and the write that takes a
  seat is the write that records it — conditional on the cohort version the writer
  started from, and under the cohort's document lock, because FerretDB v1 updates are
  read-modify-write and the relay updates the same document.
- A rush is cheap: two hundred applications arriving together cost one programme read,
  one insert of the applications, at most one insert of new people and one cohort write,
  rather than a round of each per applicant (group commit). The writer keeps what it
  knows of a cohort between batches (it is the only writer), so it does not read the
  cohort back each time either.

Every event keyed by the cohort — an application's submission, approval, decline or
withdrawal as well as the seat changes — is staged on the cohort document, so the
cohort's events have one total order and the relay empties one document per batch.

Writes go in a fixed order — applications first, the cohort last — so that after an
interruption the applications are ahead of the cohort, and taking the cohort up brings it
level with them: see reconciliation.py. The queueing and batching per cohort is
samla_shared's KeyedGroupCommit; the commands are in cohort_commands.py, what a batch
holds in cohort_batch.py.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationStepApproved,
    CohortCapacityChanged,
    ParticipantEnrolled,
    ParticipantTransferred,
    ParticipantWaitlisted,
    ParticipantWithdrawn,
    SeatOfferAccepted,
    SeatOfferDeclined,
    SeatOffered,
    SeatOfferExpired,
)
from samla_shared.errors import DomainError
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.persistence.keyed_group_commit import KeyedGroupCommit, Queued
from samla_enrollment.adapters.ports import EnrollmentRepository
from samla_enrollment.domain.ids import new_id
from samla_enrollment.domain.applications import (
    ApplicationStatus,
    check_applicant,
    check_submission,
)
from samla_enrollment.domain.approvals import BY_APPROVAL_EXPIRY, next_holders
from samla_enrollment.domain.errors import Conflict, NotFound, RuleViolation
from samla_enrollment.domain.seating import FreedSeats, Placement, freed_seats, offer_deadline
from samla_enrollment.domain.transitions import (
    DEFAULT_OFFER_DAYS,
    Decision,
    application_view,
    approval_deadline,
    approval_expiry_entry,
    change_capacity,
    change_status,
    check_free_seat_offer,
    check_offer_answer,
    decide,
    free_seat_offered_entry,
    held_seat_entry,
    new_application,
    offer_accepted_entry,
    offer_declined_entry,
    offer_entry,
    offer_expired_entry,
    offer_too_late,
    placement_entry,
    promotion_entry,
    team_placement_reason,
    transfer_out,
    withdrawal,
)
from samla_enrollment.service_layer.cohort_batch import CohortBatch, CohortState
from samla_enrollment.service_layer.cohort_commands import (
    AnswerOffer,
    ChangeCapacity,
    ChangeStatus,
    Command,
    DecideApplication,
    ExpireApprovals,
    ExpireOffers,
    OfferFreeSeat,
    Reconcile,
    SubmitApplication,
    SubmitTeam,
    TransferIn,
    TransferOut,
    WithdrawApplication,
)
from samla_enrollment.service_layer.integration_events import application_ids, submission_announced
from samla_enrollment.service_layer.people import Contact, PeopleDirectory
from samla_enrollment.service_layer.reconciliation import Reconciler

log = logging.getLogger("samla.enrollment.cohorts")

S = ApplicationStatus


# -- the writer -----------------------------------------------------------------------------

class CohortWriter:
    def __init__(self, store: EnrollmentRepository, people: PeopleDirectory, locks: DocumentLocks,
                 on_events_staged: Callable[[], None], *, max_batch: int = 500, cohorts_in_memory: int = 1000,
                 fence: Callable[[], Awaitable[None]] | None = None) -> None:
        self._store = store
        # With several instances: raises unless this one still holds the writer lease (docs/scale-out.md).
        self._fence = fence
        self._people = people
        self._locks = locks
        self._wake_relay = on_events_staged
        # One batch at a time per cohort, the next prepared while the last is written (see `_prepare`).
        self._batches: KeyedGroupCommit[str, Command, CohortBatch] = KeyedGroupCommit(
            prepare=self._prepare, commit=self._write, failed=self._fail, max_batch=max_batch, name="cohort-writer")
        # Cohorts taken up (and so reconciled) since start-up, least recently used first.
        self._states: OrderedDict[str, CohortState] = OrderedDict()
        self._cohorts_in_memory = cohorts_in_memory
        self._reconciler = Reconciler(store, locks, self, take_up=lambda cohort_id: self.execute(cohort_id, Reconcile()),
                                      taken_up=lambda cohort_id: cohort_id in self._states)
        # Programmes as last read; this process is their only writer and says when one changes.
        self._programmes: dict[str, dict[str, Any]] = {}

    def programme_changed(self, programme_id: str) -> None:
        """Forget what is remembered of a programme (it was changed or archived)."""
        self._programmes.pop(programme_id, None)

    async def execute(self, cohort_id: str, command: Command) -> Any:
        """Queue `command` for the cohort and wait until the batch that carries it is written."""
        return await self._batches.submit(cohort_id, command)

    async def close(self) -> None:
        """Stop retrying reconciliations and drop queued work (callers get CancelledError)."""
        await self._reconciler.close()
        await self._batches.close()

    async def reconcile_all(self, cohort_ids: Sequence[str]) -> None:
        for cohort_id in cohort_ids:
            if cohort_id not in self._states:
                await self.execute(cohort_id, Reconcile())

    async def _prepare(self, cohort_id: str, batch: list[Queued[Command]]) -> CohortBatch | None:
        """Apply the batch in memory and write its applications; None when the cohort does not exist.

        Preparing — placing in memory, writing people and applications — is most of a
        batch's time; the cohort write waits for the relay's turn on the document. So batch
        k+1 is prepared on top of batch k in memory while k is written, and written only after
        k was; if k's write fails, k+1 fails with it and the cohort is reconciled (`_fail`).
        """
        if self._fence is not None:  # before the batch writes anything: a deposed writer does nothing
            await self._fence()
        state = self._states.get(cohort_id)
        reconciling: list[dict[str, Any]] = []
        if state is None:
            state, reconciling = await self._take_up(cohort_id)
        if state is None:
            for item in batch:
                item.error = NotFound(f"no cohort {cohort_id}")
            return None
        changes = CohortBatch(state, datetime.now(UTC))
        if reconciling:
            await self._reconciler.reconcile(changes, reconciling)
        for is_submission, group in groupby(batch, lambda q: isinstance(q.command, SubmitApplication)):
            if is_submission:
                await self._submit(changes, list(group))
            else:
                for item in group:
                    await self._apply(changes, item)
        changes.prepared()
        self._remember(cohort_id, state)
        return changes

    async def _write(self, cohort_id: str, changes: CohortBatch, batch: list[Queued[Command]]) -> None:
        """The cohort write of a prepared batch (its callers get their answers after it)."""
        if changes.needs_writing:
            await self._store.save_waitlist_pages(cohort_id, changes.pages(self._store.waitlist_page))
            # Held for the write alone: the relay removes sent events from the same document.
            async with self._locks.hold("cohorts", cohort_id):
                if self._fence is not None:  # and again before the write that decides the seats
                    await self._fence()
                saved = await self._store.save_cohort(
                    cohort_id, version=changes.version, new_version=changes.new_version,
                    fields=changes.fields(), audit=changes.audit, events=changes.events, unset=changes.unset)
            if not saved:
                raise Conflict("the cohort was changed by another writer; this batch was not recorded")
        self._wake_relay()

    def _fail(self, cohort_id: str, batch: list[Queued[Command]], exc: Exception) -> None:
        """Some application writes may have happened without the cohort write: forget the cohort,
        so that taking it up again reconciles it, and start doing so now (its callers hear `exc`)."""
        self._states.pop(cohort_id, None)
        self._reconciler.keep_reconciling(cohort_id)
        log.warning("a batch of %d commands for cohort %s failed: %s", len(batch), cohort_id, exc)

    async def _take_up(self, cohort_id: str) -> tuple[CohortState | None, list[dict[str, Any]]]:
        cohort = await self._store.cohort(cohort_id)
        if cohort is None:
            return None, []
        applications = await self._store.application_states(cohort_id)
        return CohortState(cohort, {a["participant_id"] for a in applications}), applications

    def _remember(self, cohort_id: str, state: CohortState) -> None:
        self._states[cohort_id] = state
        self._states.move_to_end(cohort_id)
        while len(self._states) > self._cohorts_in_memory:
            self._states.popitem(last=False)

    async def _apply(self, changes: CohortBatch, item: Queued[Command]) -> None:
        command = item.command
        try:
            if isinstance(command, DecideApplication):
                item.result = await self._decide(changes, command)
            elif isinstance(command, WithdrawApplication):
                item.result = await self._withdraw(changes, command)
            elif isinstance(command, ChangeCapacity):
                item.result = await self._change_capacity(changes, command)
            elif isinstance(command, ChangeStatus):
                item.result = self._change_status(changes, command)
            elif isinstance(command, AnswerOffer):
                item.result = await self._answer_offer(changes, command)
            elif isinstance(command, OfferFreeSeat):
                item.result = await self._offer_free_seat(changes, command)
            elif isinstance(command, TransferOut):
                item.result = await self._transfer_out(changes, command)
            elif isinstance(command, TransferIn):
                item.result = await self._transfer_in(changes, command)
            elif isinstance(command, SubmitTeam):
                item.result = await self._submit_team(changes, command)
            elif isinstance(command, ExpireApprovals):
                item.result = await self._expire_approvals(changes)
            elif isinstance(command, ExpireOffers):
                item.result = await self._expire_offers(changes, changes.seating.expired(changes.now))
            # Reconcile needs nothing more: taking the cohort up reconciled it.
        except DomainError as refusal:
            item.error = refusal

    # -- submissions ----------------------------------------------------------------------

    async def _submit(self, changes: CohortBatch, items: list[Queued[Command]]) -> None:
        programme = await self._programme(changes)
        status = changes.status()
        accepted: list[tuple[Queued[Command], dict[str, Any]]] = []
        for item in items:
            form = item.command.form  # type: ignore[union-attr]
            try:
                check_submission(programme_archived=programme.get("archived", False), cohort_status=status,
                                 window=changes.window, now=changes.now)
                check_applicant(participant_email=form["participant"]["email"], manager_email=form["manager"]["email"],
                                unit_id=form["unit_id"], facilitator_unit_ids=form.get("facilitator_unit_ids", []),
                                facilitates_outside_own_unit=programme.get("facilitates_outside_own_unit", True))
                accepted.append((item, form))
            except DomainError as refusal:
                item.error = refusal
        if not accepted:
            return
        contacts = [Contact.of(form[role]) for item, form in accepted for role in ("participant", "manager")
                    if role == "manager" or item.command.participant_id is None]  # type: ignore[union-attr]
        found = iter(await self._people.identify(contacts))
        new: list[tuple[Queued[Command], dict[str, Any]]] = []
        for item, form in accepted:
            participant_id = item.command.participant_id or next(found)  # type: ignore[union-attr]
            manager_id = next(found)
            if participant_id == manager_id:
                item.error = RuleViolation("the approving manager must be someone other than the applicant")
                continue
            if participant_id in changes.participants:
                same_batch = [a["_id"] for _, a in new if a["participant_id"] == participant_id]
                item.error = await self._duplicate(changes, participant_id, same_batch[0] if same_batch else None)
                continue
            changes.participants.add(participant_id)
            new.append((item, self._new_application(changes, programme, form, participant_id=participant_id,
                                                    manager_id=manager_id)))
        if not new:
            return
        # Places and events were decided above in memory; they count once the cohort is written.
        refused = await self._store.add_applications([a for _, a in new])
        if refused:  # another process applied for the same person: this batch's places are void
            raise Conflict("applications were inserted by another writer; the cohort will be reconciled")
        for item, application in new:
            item.result = application_view(application, changes.seating)

    async def _submit_team(self, changes: CohortBatch, command: SubmitTeam) -> list[dict[str, Any]]:
        """Every member's application at once; seated together if there is room for all, else queued as one."""
        programme = await self._programme(changes)
        form = command.form
        check_submission(programme_archived=programme.get("archived", False), cohort_status=changes.status(),
                         window=changes.window, now=changes.now)
        for member in form["members"]:
            check_applicant(participant_email=member["participant"]["email"], manager_email=form["manager"]["email"],
                            unit_id=form["unit_id"], facilitator_unit_ids=[], facilitates_outside_own_unit=False)
        found = await self._people.identify([Contact.of(m["participant"]) for m in form["members"]]
                                            + [Contact.of(form["manager"])])
        *members, manager_id = found
        for participant_id in members:
            if participant_id in changes.participants:
                raise await self._duplicate(changes, participant_id, None)
        team_id = new_id()
        applications = []
        for member, participant_id in zip(form["members"], members, strict=True):
            single = {"participant": member["participant"] | {"role": member["role"]},
                      "organisation_id": form["organisation_id"], "unit_id": form["unit_id"],
                      "motivation": form.get("motivation")}
            application = self._new_application(changes, programme, single, participant_id=participant_id,
                                                manager_id=manager_id, team=(team_id, member["role"]))
            applications.append(application)
        changes.participants.update(members)
        if not programme.get("requires_manager_approval", True):
            for application, entry in zip(applications, self.place_team(changes, applications), strict=True):
                application["history"].append(entry)
        if await self._store.add_applications(applications):
            # Not a refusal of this command alone: the places decided above are void, so the batch fails.
            raise RuntimeError("applications were inserted by another writer; the cohort will be reconciled")
        return [application_view(a, changes.seating) for a in applications]

    def place_team(self, changes: CohortBatch, applications: list[dict[str, Any]], *,
                    reason: str | None = None) -> list[dict[str, Any]]:
        """Seat or queue a team as one; returns each member's history entry."""
        placement, position = changes.seating.place_team(applications[0]["team_id"], [a["_id"] for a in applications])
        for application in applications:
            ids = application_ids(application)
            sequence = changes.next_sequence()
            changes.events.append(ParticipantEnrolled(**ids, via="direct", cohort_sequence=sequence)
                                  if placement is Placement.ENROLLED
                                  else ParticipantWaitlisted(**ids, position=position, cohort_sequence=sequence))
        changes.changed = True
        why = reason or team_placement_reason(placement)
        return [placement_entry(changes.now, placement, position, reason=why) for _ in applications]

    def _new_application(self, changes: CohortBatch, programme: dict[str, Any], form: dict[str, Any], *,
                         participant_id: str, manager_id: str, team: tuple[str, str] | None = None
                         ) -> dict[str, Any]:
        application = new_application(application_id=new_id(), now=changes.now, cohort=changes.cohort,
                                      programme=programme, form=form, participant_id=participant_id,
                                      manager_id=manager_id, team=team)
        application["announce"] = changes.submission_announcement()
        changes.events.extend(submission_announced(application))
        if (deadline := approval_deadline(programme, changes.now)) is not None:
            application["approval_expires_at"] = deadline
            changes.approval_deadlines[application["_id"]] = deadline
            changes.changed = True
        if application["status"] == S.APPROVED.value and team is None:  # a team is placed as one by the caller
            application["history"].append(self.place(changes, application))
        return application

    async def _duplicate(self, changes: CohortBatch, participant_id: str, existing_id: str | None) -> Conflict:
        if existing_id is None:
            existing = await self._store.application_of(changes.cohort["_id"], participant_id)
            existing_id = existing["_id"] if existing else None
        return Conflict("this person has already applied to this cohort", application_id=existing_id)

    # -- decisions and withdrawals --------------------------------------------------------

    async def _decide(self, changes: CohortBatch, command: DecideApplication) -> dict[str, Any]:
        application = await self._application(changes, command.application_id)
        decision = decide(application, changes.seating.where(application["_id"])[0], approve=command.approve,
                          by=command.by, reason=command.reason, step=command.step, cohort_status=changes.status(),
                          now=changes.now)
        status, target, ids = decision.shown, decision.target, application_ids(application)
        if decision.moves_on:  # approved at this step: on to the next
            following = decision.next_step
            step_event = ApplicationStepApproved(
                **ids, step=decision.index + 1, steps=len(decision.steps), step_kind=decision.step["kind"],
                approved_by=command.by, next_step_kind=following["kind"], next_approver_ids=next_holders(following))
            await self._transition(application, status, status, [decision.step_entry()], changes, [step_event],
                                   fields={"approval_step": decision.index + 1})
            return application_view(application | {"approval_step": decision.index + 1}, changes.seating)
        if application.get("team_id"):
            return await self._decide_team(changes, application, decision)
        event = (ApplicationApproved(**ids, approved_by=command.by) if target is S.APPROVED
                 else ApplicationDeclined(**ids, declined_by=command.by))
        entries = [decision.entry()]
        if target is S.APPROVED:
            entries.append(placement_entry(changes.now, *changes.seating.next_place()))
        await self._transition(application, status, target, entries, changes, [event])
        if changes.approval_deadlines.pop(application["_id"], None) is not None:
            changes.changed = True
        application = application | {"status": target.value}
        if target is S.APPROVED:
            self.place(changes, application)
        return application_view(application, changes.seating)

    async def _decide_team(self, changes: CohortBatch, application: dict[str, Any], decision: Decision
                           ) -> dict[str, Any]:
        """The manager's one decision covers every member still waiting for it; approved, they are placed as one."""
        team = await self._store.team_applications(changes.cohort["_id"], application["team_id"])
        waiting = [a for a in team if a["status"] == S.AWAITING_MANAGER_APPROVAL.value]
        target = decision.target
        for member in waiting:
            ids = application_ids(member)
            event = (ApplicationApproved(**ids, approved_by=decision.by) if target is S.APPROVED
                     else ApplicationDeclined(**ids, declined_by=decision.by))
            await self._transition(member, decision.shown, target, [decision.team_entry(application["team_id"])],
                                   changes, [event])
        if target is S.APPROVED:
            placed = [member | {"status": target.value} for member in waiting]
            entries = self.place_team(changes, placed)
            for member, entry in zip(placed, entries, strict=True):
                async with self._locks.hold("applications", member["_id"]):
                    await self._store.append_history(member["_id"], [entry])
        return application_view(application | {"status": target.value}, changes.seating)

    async def _withdraw(self, changes: CohortBatch, command: WithdrawApplication) -> dict[str, Any]:
        application = await self._application(changes, command.application_id)
        placement, _ = changes.seating.where(application["_id"])
        status, entry = withdrawal(application, placement, by=command.by, reason=command.reason,
                                   cohort_status=changes.status(), now=changes.now)
        if placement is None:  # holds no place: the withdrawal is the application's own event
            event = ParticipantWithdrawn(**application_ids(application), previous_status=status.value)
            await self._transition(application, S(application["status"]), S.WITHDRAWN, [entry], changes, [event])
            if changes.approval_deadlines.pop(application["_id"], None) is not None:
                changes.changed = True
        else:  # the event comes with the seat change, which also promotes the head of the queue
            await self._transition(application, S.APPROVED, S.WITHDRAWN, [entry], changes, [])
            await self.release(changes, application)
        return application_view(application | {"status": S.WITHDRAWN.value}, changes.seating)

    async def _transition(self, application: dict[str, Any], expected: ApplicationStatus, target: ApplicationStatus,
                          entries: list[dict[str, Any]], changes: CohortBatch, events: list[IntegrationEvent], *,
                          fields: dict[str, Any] | None = None) -> None:
        """Write the application's new status and history, then stage its events with the batch."""
        announce = changes.announcement(events) if events else None
        async with self._locks.hold("applications", application["_id"]):
            moved = await self._store.transition_application(
                application["_id"], expected=expected.value, status=target.value, entries=entries, announce=announce,
                fields=fields)
        if not moved:
            raise Conflict("the application changed meanwhile; reload it and try again")
        changes.events.extend(events)

    async def _application(self, changes: CohortBatch, application_id: str) -> dict[str, Any]:
        application = await self._store.application(application_id)
        if application is None or application["cohort_id"] != changes.cohort["_id"]:
            raise NotFound(f"no application {application_id}")
        return application

    # -- the cohort itself ----------------------------------------------------------------

    async def _change_capacity(self, changes: CohortBatch, command: ChangeCapacity) -> None:
        before, seats_taken = changes.seating.capacity, changes.seating.seats_taken
        entry = change_capacity(changes.seating, command.capacity, cohort_status=changes.status(), by=command.by,
                                reason=command.reason, now=changes.now)
        if entry is None:
            return
        cohort = changes.cohort
        changes.events.append(CohortCapacityChanged(
            network_id=cohort["network_id"], cohort_id=cohort["_id"], programme_id=cohort["programme_id"],
            capacity=command.capacity, seats_taken=seats_taken))
        changes.audit.append(entry)
        changes.changed = True
        await self._fill(changes, reason=f"the capacity grew from {before} to {command.capacity}")

    def _change_status(self, changes: CohortBatch, command: ChangeStatus) -> None:
        changes.manual_status, entry = change_status(
            current=changes.status(), manual=changes.manual_status, target=command.status, window=changes.window,
            by=command.by, reason=command.reason, now=changes.now)
        changes.audit.append(entry)
        changes.changed = True

    # -- seats ----------------------------------------------------------------------------

    def place(self, changes: CohortBatch, application: dict[str, Any], *, reason: str | None = None) -> dict[str, Any]:
        """Seat or queue the application; returns the history entry that records it."""
        placement, position = changes.seating.place(application["_id"])
        if placement is Placement.WAITLISTED:
            # Where its place is in the queue's log, for readers of this one application (see
            # EnrollmentService.application); kept by a new application's insert, a hint only.
            application["waitlist_slot"] = len(changes.seating.waitlist.log) - 1
        ids = application_ids(application)
        sequence = changes.next_sequence()
        changes.events.append(ParticipantEnrolled(**ids, via="direct", cohort_sequence=sequence)
                              if placement is Placement.ENROLLED
                              else ParticipantWaitlisted(**ids, position=position, cohort_sequence=sequence))
        changes.changed = True
        return placement_entry(changes.now, placement, position, reason=reason)

    async def release(self, changes: CohortBatch, application: dict[str, Any], *,
                       reason: str = "a seat was freed by a withdrawal") -> None:
        previous = changes.seating.withdraw(application["_id"])
        # Someone holding an offer was still waiting, as far as the seat events go.
        shown = Placement.WAITLISTED if previous is Placement.OFFERED else previous
        changes.events.append(ParticipantWithdrawn(**application_ids(application), previous_status=shown.value,
                                                   cohort_sequence=changes.next_sequence()))
        changes.changed = True
        if previous is not Placement.WAITLISTED:
            await self._fill(changes, reason=reason)

    async def _fill(self, changes: CohortBatch, *, reason: str) -> None:
        """Free seats go to the queue as the programme and the cohort's start say (see `FreedSeats`)."""
        if not changes.seating.seats_free or not changes.seating.waitlist:
            return
        programme = await self._programme(changes)
        rule = freed_seats(started=changes.started(), offers=bool(programme.get("offer_days")))
        if rule is FreedSeats.PROMOTE:
            await self._promote(changes, changes.seating.promote(), reason=reason)
        elif rule is FreedSeats.OFFER:
            deadline = offer_deadline(changes.now, programme["offer_days"])
            await self._offer(changes, changes.seating.offer(deadline), deadline, by=None, reason=reason)
        else:
            changes.audit.append(held_seat_entry(changes.now, reason))

    async def _offer(self, changes: CohortBatch, offered: list[str], deadline: datetime, *, by: str | None,
                     reason: str) -> None:
        """Record each offer in the application's history (intent first), then stage its event."""
        if not offered:
            return
        applications = await self._store.applications_by_id(offered)
        entry = offer_entry(changes.now, deadline, by=by, reason=reason)
        for application_id in offered:  # in queue order
            async with self._locks.hold("applications", application_id):
                await self._store.append_history(application_id, [entry])
            changes.events.append(SeatOffered(**application_ids(applications[application_id]), expires_at=deadline,
                                              offered_by=by, cohort_sequence=changes.next_sequence()))
        changes.changed = True

    # -- offers ---------------------------------------------------------------------------

    async def _answer_offer(self, changes: CohortBatch, command: AnswerOffer) -> dict[str, Any]:
        application = await self._application(changes, command.application_id)
        seating = changes.seating
        deadline = check_offer_answer(application, seating)
        if deadline <= changes.now:  # the watch has not come round yet: the answer is too late all the same
            await self._expire_offers(changes, [application["_id"]])
            raise offer_too_late(deadline)
        ids = application_ids(application)
        if command.accept:
            seating.accept(application["_id"], changes.now)
            entry = offer_accepted_entry(changes.now, command.by, command.reason)
            async with self._locks.hold("applications", application["_id"]):
                await self._store.append_history(application["_id"], [entry])
            changes.events.append(SeatOfferAccepted(**ids, answered_by=command.by,
                                                    cohort_sequence=changes.next_sequence()))
            changes.events.append(ParticipantEnrolled(**ids, via="waitlist", cohort_sequence=changes.next_sequence()))
            changes.changed = True
            return application_view(application, seating)
        event = SeatOfferDeclined(**ids, answered_by=command.by, cohort_sequence=changes.next_sequence())
        entry = offer_declined_entry(changes.now, command.by, command.reason)
        await self._transition(application, S.APPROVED, S.WITHDRAWN, [entry], changes, [event])
        await self.release(changes, application, reason="a seat was freed: an offer was declined")
        return application_view(application | {"status": S.WITHDRAWN.value}, seating)

    async def _expire_offers(self, changes: CohortBatch, expired: list[str]) -> list[str]:
        """Each expired offer: the application leaves the queue, and its seat moves on (in deadline order)."""
        if not expired:
            return []
        applications = await self._store.applications_by_id(expired)
        for application_id in expired:
            application = applications[application_id]
            deadline = changes.seating.offer_deadline(application_id)
            assert deadline is not None
            event = SeatOfferExpired(**application_ids(application), expired_at=deadline,
                                     cohort_sequence=changes.next_sequence())
            entry = offer_expired_entry(changes.now, deadline)
            await self._transition(application, S.APPROVED, S.WITHDRAWN, [entry], changes, [event])
            await self.release(changes, application, reason="a seat was freed: an offer expired")
        return expired

    # -- approval deadlines ---------------------------------------------------------------

    async def _expire_approvals(self, changes: CohortBatch) -> list[str]:
        """Decline, with a reason the applicant can read, every application nobody decided in time."""
        due = [a for a, at in changes.approval_deadlines.items() if at <= changes.now]
        if not due:
            return []
        applications = await self._store.applications_by_id(due)
        expired = []
        for application_id in due:
            del changes.approval_deadlines[application_id]
            changes.changed = True
            application = applications.get(application_id)
            if application is None or application["status"] != S.AWAITING_MANAGER_APPROVAL.value:
                continue  # decided or withdrawn by a batch whose cohort write did not happen
            entry = approval_expiry_entry(application, changes.now)
            event = ApplicationDeclined(**application_ids(application), declined_by=BY_APPROVAL_EXPIRY)
            await self._transition(application, S.AWAITING_MANAGER_APPROVAL, S.DECLINED, [entry], changes, [event])
            expired.append(application_id)
        return expired

    # -- transfers ------------------------------------------------------------------------

    async def _transfer_out(self, changes: CohortBatch, command: TransferOut) -> dict[str, Any]:
        """The application leaves this cohort's seating for another cohort, approvals kept; its seat moves on."""
        application = await self._application(changes, command.application_id)
        entry = transfer_out(application, changes.seating.where(application["_id"])[0],
                             cohort_status=changes.status(), to_cohort_id=command.to_cohort_id,
                             deferred=command.deferred, by=command.by, reason=command.reason, now=changes.now)
        event = ParticipantTransferred(**application_ids(application), to_cohort_id=command.to_cohort_id,
                                       transferred_by=command.by, deferred=command.deferred,
                                       cohort_sequence=changes.next_sequence())
        async with self._locks.hold("applications", application["_id"]):
            moved = await self._store.move_application(
                application["_id"], from_cohort_id=changes.cohort["_id"], to_cohort_id=command.to_cohort_id,
                entries=[entry], announce=changes.announcement([event]) | {"cohort_id": changes.cohort["_id"]})
        if not moved:
            raise Conflict("the application changed meanwhile; reload it and try again")
        changes.events.append(event)
        await self.release(changes, application, reason="a seat was freed by a transfer to another cohort")
        return application | {"cohort_id": command.to_cohort_id}

    async def _transfer_in(self, changes: CohortBatch, command: TransferIn) -> dict[str, Any]:
        application = await self._application(changes, command.application_id)
        if changes.seating.where(application["_id"])[0] is None and application["status"] == S.APPROVED.value:
            entry = self.place(changes, application, reason="transferred from another cohort; approvals kept")
            async with self._locks.hold("applications", application["_id"]):
                await self._store.append_history(application["_id"], [entry])
            changes.participants.add(application["participant_id"])
        return application_view(application, changes.seating)

    async def _offer_free_seat(self, changes: CohortBatch, command: OfferFreeSeat) -> dict[str, Any]:
        seating = changes.seating
        check_free_seat_offer(seating, changes.status())
        programme = await self._programme(changes)
        deadline = offer_deadline(changes.now, programme.get("offer_days") or DEFAULT_OFFER_DAYS)
        offered = seating.offer(deadline, seats=1)
        await self._offer(changes, offered, deadline, by=command.by,
                          reason=command.reason or "a coordinator offered a freed seat")
        changes.audit.append(free_seat_offered_entry(changes.now, command.by, command.reason, offered[0]))
        [application] = (await self._store.applications_by_id(offered)).values()
        return application_view(application, seating)

    async def _promote(self, changes: CohortBatch, promoted: list[str], *, reason: str) -> None:
        """Record each promotion in the application's history (intent first), then stage its event."""
        if not promoted:
            return
        applications = await self._store.applications_by_id(promoted)
        entry = promotion_entry(changes.now, reason)
        for application_id in promoted:  # in queue order
            async with self._locks.hold("applications", application_id):
                await self._store.append_history(application_id, [entry])
            changes.events.append(ParticipantEnrolled(**application_ids(applications[application_id]), via="waitlist",
                                                      cohort_sequence=changes.next_sequence()))

    async def _programme(self, changes: CohortBatch) -> dict[str, Any]:
        programme_id = changes.cohort["programme_id"]
        if programme_id not in self._programmes:
            programme = await self._store.programme(programme_id)
            if programme is None:
                raise NotFound(f"no programme {programme_id}")
            if len(self._programmes) >= self._cohorts_in_memory:
                self._programmes.clear()
            self._programmes[programme_id] = programme
        return self._programmes[programme_id]
