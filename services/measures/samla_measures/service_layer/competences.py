"""Competences: staff types per organisation, programmes that confer competences, and who holds them.

Three kinds of document, each read by `_id`: an organisation's frame (`competence_frames`,
its staff types and which staff member is of which type), a programme's competences
(`programme_competences`), and a person's completions with the competences each conferred
(`person_competences`, with the outbox of CompetenceRecorded / CompetenceRevoked). The
person document is built from sessions' ParticipantCompleted and CompletionRevoked, keyed
by cohort: a redelivered event finds its cohort already in that state and changes nothing.
A programme's competences apply to the completions that arrive after they are set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samla_shared.contract import SESSIONS_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.measures import CompetenceRecorded, CompetenceRevoked
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import ConferredRepository, FrameRepository, HolderRepository
from samla_measures.domain import competences as rules
from samla_measures.domain.competences import (
    CompetenceFrame,
    CompetenceHolder,
    Completion,
    ConferredCompetences,
    StaffType,
)
from samla_measures.domain.errors import NotFound, RuleViolation

FRAMES = "competence_frames"
PROGRAMMES = "programme_competences"
PEOPLE = "person_competences"


# Where a frame lists a person among its staff.
STAFF_NAMING = ("staff.person_id",)


class Competences:
    def __init__(self, frames: FrameRepository, programmes: ConferredRepository, people: HolderRepository,
                 locks: DocumentLocks, *, on_events_staged: Callable[[], None] = lambda: None) -> None:
        """`frames`, `programmes`, `people`: the stores of FRAMES, PROGRAMMES and PEOPLE."""
        self.frames = frames
        self.programmes = programmes
        self.people = people
        self._locks = locks
        self._wake_relay = on_events_staged

    # -- an organisation's staff types and staff ----------------------------------------------

    async def _change_frame(self, organisation_id: str, network_id: str,
                            change: Callable[[CompetenceFrame], dict[str, Any]]) -> CompetenceFrame:
        async with self._locks.hold(FRAMES, organisation_id):
            frame = await self.frames.get(organisation_id)
            if frame is None:
                await self.frames.add(CompetenceFrame(organisation_id=organisation_id, network_id=network_id))
                frame = await self.frames.get(organisation_id)
                assert frame is not None
            elif frame.network_id != network_id:
                raise RuleViolation(f"organisation {organisation_id} keeps its staff types in network "
                                    f"{frame.network_id}", organisation_id=organisation_id)
            await self.frames.save(frame, changes=change(frame))
        return await self.frame(organisation_id)

    async def define_staff_type(self, organisation_id: str, network_id: str, staff_type_id: str, *, name: str,
                                competence_ids: list[str]) -> CompetenceFrame:
        def change(frame: CompetenceFrame) -> dict[str, Any]:
            types = {**frame.staff_types, staff_type_id: StaffType(name=name, competence_ids=competence_ids)}
            rules.check_staff_types(types)
            return {"staff_types": types}
        return await self._change_frame(organisation_id, network_id, change)

    async def assign(self, organisation_id: str, network_id: str, person_id: str,
                     staff_type_id: str | None) -> CompetenceFrame:
        def change(frame: CompetenceFrame) -> dict[str, Any]:
            if staff_type_id is not None and staff_type_id not in frame.staff_types:
                raise RuleViolation(f"organisation {organisation_id} has no staff type {staff_type_id}")
            staff = {p: t for p, t in frame.staff.items() if p != person_id}
            return {"staff": staff | ({person_id: staff_type_id} if staff_type_id else {})}
        return await self._change_frame(organisation_id, network_id, change)

    async def frame(self, organisation_id: str) -> CompetenceFrame:
        frame = await self.frames.get(organisation_id)
        if frame is None:
            raise NotFound(f"organisation {organisation_id} has no staff types yet")
        return frame

    async def coverage(self, frame: CompetenceFrame) -> list[dict[str, Any]]:
        people = await self.people.many(frame.staff)
        return rules.coverage(frame, people)

    # -- programmes ---------------------------------------------------------------------------

    async def set_programme(self, programme_id: str, network_id: str,
                            competence_ids: list[str]) -> ConferredCompetences:
        async with self._locks.hold(PROGRAMMES, programme_id):
            found = await self.programmes.get(programme_id)
            if found is None:
                await self.programmes.add(ConferredCompetences(programme_id=programme_id, network_id=network_id,
                                                               competence_ids=competence_ids))
            elif found.network_id != network_id:
                raise RuleViolation(f"programme {programme_id} belongs to network {found.network_id}")
            else:
                await self.programmes.save(found, changes={"competence_ids": competence_ids})
        conferred = await self.programmes.get(programme_id)
        if conferred is None:
            raise NotFound(f"no competences set for programme {programme_id}")
        return conferred

    async def programme(self, programme_id: str) -> ConferredCompetences | None:
        return await self.programmes.get(programme_id)

    # -- people, from sessions' events --------------------------------------------------------

    async def person(self, person_id: str) -> CompetenceHolder | None:
        return await self.people.get(person_id)

    async def on_completed(self, event: CloudEvent) -> None:
        data: Any = event.data
        programme = await self.programmes.get(data.programme_id)
        conferred = list(programme.competence_ids) if programme else []
        async with self._locks.hold(PEOPLE, data.participant_id):
            person = await self.people.get(data.participant_id)
            if person is not None and data.cohort_id in person.completions:
                return  # a redelivery: this cohort's completion is recorded
            completion = Completion(programme_id=data.programme_id, organisation_id=data.organisation_id,
                                    network_id=data.network_id, completed_at=data.completed_at,
                                    competence_ids=conferred)
            events = [CompetenceRecorded(network_id=data.network_id, organisation_id=data.organisation_id,
                                         person_id=data.participant_id, competence_id=c,
                                         programme_id=data.programme_id, cohort_id=data.cohort_id)
                      for c in conferred]
            if person is None:
                await self.people.add(CompetenceHolder(person_id=data.participant_id,
                                                       completions={data.cohort_id: completion}), *events)
            else:
                await self.people.save(person, changes={f"completions.{data.cohort_id}": completion}, events=events)
        self._wake_relay()

    async def on_revoked(self, event: CloudEvent) -> None:
        data: Any = event.data
        async with self._locks.hold(PEOPLE, data.participant_id):
            person = await self.people.get(data.participant_id)
            completion = person.completions.get(data.cohort_id) if person else None
            if person is None or completion is None:
                return  # never completed here, or already revoked
            events = [CompetenceRevoked(network_id=completion.network_id,
                                        organisation_id=completion.organisation_id,
                                        person_id=data.participant_id, competence_id=c,
                                        programme_id=completion.programme_id, cohort_id=data.cohort_id)
                      for c in completion.competence_ids]
            completions = {k: v for k, v in person.completions.items() if k != data.cohort_id}
            await self.people.save(person, changes={"completions": completions}, events=events)
        self._wake_relay()

    async def naming(self, person_id: str) -> list[dict[str, Any]]:
        """The person's completions as stored, and their place in each organisation's staff list."""
        person = await self.people.stored(person_id)
        ids = await self.frames.ids_naming(person_id, STAFF_NAMING, limit=10_000)
        frames = await self.frames.many(ids)
        return [*([person] if person else []),
                *({"organisation_id": f.organisation_id, "staff_type_id": f.staff[person_id]}
                  for f in (frames[i] for i in ids if i in frames) if person_id in f.staff)]

    async def erase(self, person_id: str, alias: str) -> None:
        """Erasure: the person's completions go, and so does their place in every organisation's staff list.

        The id stays as the key (from the erasure on it names nobody); pending events carry ids only.
        """
        async with self._locks.hold(PEOPLE, person_id):
            person = await self.people.get(person_id)
            if person is not None and person.completions:
                await self.people.save(person, changes={"completions": {}})
        # Frames are one per organisation, a small collection: this scan is what an erasure may cost.
        for organisation_id in await self.frames.ids_naming(person_id, STAFF_NAMING):
            async with self._locks.hold(FRAMES, organisation_id):
                current = await self.frames.get(organisation_id)
                if current and person_id in current.staff:
                    await self.frames.save(current, changes={
                        "staff": {p: t for p, t in current.staff.items() if p != person_id}})

    def handlers(self) -> dict[str, dict[type, Callable[[CloudEvent], Any]]]:
        return {SESSIONS_TOPIC: {ParticipantCompleted: self.on_completed, CompletionRevoked: self.on_revoked}}
