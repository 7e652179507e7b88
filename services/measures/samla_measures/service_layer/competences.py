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
from samla_measures.adapters.ports import DocumentRepository
from samla_measures.domain import competences as rules
from samla_measures.domain.errors import NotFound, RuleViolation

FRAMES = "competence_frames"
PROGRAMMES = "programme_competences"
PEOPLE = "person_competences"


def frame_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored frame with its staff types and staff as maps keyed by id, the shape the rules work on.

    The store keeps both as lists of entries: an id is data, never a field name, so an id holding
    a dot, a dollar or a control character is stored and found like any other.
    """
    return {**doc,
            "staff_types": {t["id"]: {"name": t["name"], "competence_ids": t["competence_ids"]}
                            for t in doc["staff_types"]},
            "staff": {m["person_id"]: m["staff_type_id"] for m in doc["staff"]}}


def stored(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes to a frame's maps, as the lists the store keeps (the inverse of `frame_view`)."""
    out = dict(changes)
    if "staff_types" in out:
        out["staff_types"] = [{"id": t, **v} for t, v in out["staff_types"].items()]
    if "staff" in out:
        out["staff"] = [{"person_id": p, "staff_type_id": t} for p, t in out["staff"].items()]
    return out


# Where a frame lists a person among its staff.
STAFF_NAMING = ("staff.person_id",)


class Competences:
    def __init__(self, frames: DocumentRepository, programmes: DocumentRepository, people: DocumentRepository,
                 locks: DocumentLocks, *, on_events_staged: Callable[[], None] = lambda: None) -> None:
        """`frames`, `programmes`, `people`: the stores of FRAMES, PROGRAMMES and PEOPLE."""
        self.frames = frames
        self.programmes = programmes
        self.people = people
        self._locks = locks
        self._wake_relay = on_events_staged

    # -- an organisation's staff types and staff ----------------------------------------------

    async def _change_frame(self, organisation_id: str, network_id: str,
                            change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        async with self._locks.hold(FRAMES, organisation_id):
            frame = await self.frames.get(organisation_id)
            if frame is None:
                await self.frames.add({"_id": organisation_id, "organisation_id": organisation_id,
                                       "network_id": network_id, "staff_types": [], "staff": []})
                frame = await self.frames.get(organisation_id)
                assert frame is not None
            elif frame["network_id"] != network_id:
                raise RuleViolation(f"organisation {organisation_id} keeps its staff types in network "
                                    f"{frame['network_id']}", organisation_id=organisation_id)
            await self.frames.save(frame, changes=stored(change(frame_view(frame))))
        return await self.frame(organisation_id)

    async def define_staff_type(self, organisation_id: str, network_id: str, staff_type_id: str, *, name: str,
                                competence_ids: list[str]) -> dict[str, Any]:
        def change(frame: dict[str, Any]) -> dict[str, Any]:
            types = {**frame["staff_types"], staff_type_id: {"name": name, "competence_ids": competence_ids}}
            rules.check_staff_types(types)
            return {"staff_types": types}
        return await self._change_frame(organisation_id, network_id, change)

    async def assign(self, organisation_id: str, network_id: str, person_id: str,
                     staff_type_id: str | None) -> dict[str, Any]:
        def change(frame: dict[str, Any]) -> dict[str, Any]:
            if staff_type_id is not None and staff_type_id not in frame["staff_types"]:
                raise RuleViolation(f"organisation {organisation_id} has no staff type {staff_type_id}")
            staff = {p: t for p, t in frame["staff"].items() if p != person_id}
            return {"staff": staff | ({person_id: staff_type_id} if staff_type_id else {})}
        return await self._change_frame(organisation_id, network_id, change)

    async def frame(self, organisation_id: str) -> dict[str, Any]:
        frame = await self.frames.get(organisation_id)
        if frame is None:
            raise NotFound(f"organisation {organisation_id} has no staff types yet")
        return frame_view(frame)

    async def coverage(self, frame: dict[str, Any]) -> list[dict[str, Any]]:
        people = await self.people.many(frame["staff"])
        return rules.coverage(frame, people)

    # -- programmes ---------------------------------------------------------------------------

    async def set_programme(self, programme_id: str, network_id: str, competence_ids: list[str]) -> dict[str, Any]:
        async with self._locks.hold(PROGRAMMES, programme_id):
            found = await self.programmes.get(programme_id)
            if found is None:
                await self.programmes.add({"_id": programme_id, "programme_id": programme_id,
                                           "network_id": network_id, "competence_ids": competence_ids})
            elif found["network_id"] != network_id:
                raise RuleViolation(f"programme {programme_id} belongs to network {found['network_id']}")
            else:
                await self.programmes.save(found, changes={"competence_ids": competence_ids})
        return await self.programmes.get(programme_id) or {}

    async def programme(self, programme_id: str) -> dict[str, Any] | None:
        return await self.programmes.get(programme_id)

    # -- people, from sessions' events --------------------------------------------------------

    async def person(self, person_id: str) -> dict[str, Any] | None:
        return await self.people.get(person_id)

    async def on_completed(self, event: CloudEvent) -> None:
        data: Any = event.data
        programme = await self.programmes.get(data.programme_id)
        conferred = list(programme["competence_ids"]) if programme else []
        async with self._locks.hold(PEOPLE, data.participant_id):
            person = await self.people.get(data.participant_id)
            if person is not None and data.cohort_id in person["completions"]:
                return  # a redelivery: this cohort's completion is recorded
            completion = {"programme_id": data.programme_id, "organisation_id": data.organisation_id,
                          "network_id": data.network_id, "completed_at": data.completed_at,
                          "competence_ids": conferred}
            events = [CompetenceRecorded(network_id=data.network_id, organisation_id=data.organisation_id,
                                         person_id=data.participant_id, competence_id=c,
                                         programme_id=data.programme_id, cohort_id=data.cohort_id)
                      for c in conferred]
            if person is None:
                await self.people.add({"_id": data.participant_id, "person_id": data.participant_id,
                                       "completions": {data.cohort_id: completion}}, *events)
            else:
                await self.people.save(person, changes={f"completions.{data.cohort_id}": completion}, events=events)
        self._wake_relay()

    async def on_revoked(self, event: CloudEvent) -> None:
        data: Any = event.data
        async with self._locks.hold(PEOPLE, data.participant_id):
            person = await self.people.get(data.participant_id)
            completion = (person or {}).get("completions", {}).get(data.cohort_id)
            if person is None or completion is None:
                return  # never completed here, or already revoked
            events = [CompetenceRevoked(network_id=completion["network_id"],
                                        organisation_id=completion["organisation_id"],
                                        person_id=data.participant_id, competence_id=c,
                                        programme_id=completion["programme_id"], cohort_id=data.cohort_id)
                      for c in completion["competence_ids"]]
            completions = {k: v for k, v in person["completions"].items() if k != data.cohort_id}
            await self.people.save(person, changes={"completions": completions}, events=events)
        self._wake_relay()

    async def naming(self, person_id: str) -> list[dict[str, Any]]:
        person = await self.people.get(person_id)
        frames = [frame_view(f) for f in await self.frames.naming(person_id, STAFF_NAMING)]
        return [*([person] if person else []),
                *({"organisation_id": f["organisation_id"], "staff_type_id": f["staff"][person_id]} for f in frames)]

    async def erase(self, person_id: str, alias: str) -> None:
        """Erasure: the person's completions go, and so does their place in every organisation's staff list.

        The id stays as the key (from the erasure on it names nobody); pending events carry ids only.
        """
        async with self._locks.hold(PEOPLE, person_id):
            person = await self.people.get(person_id)
            if person is not None and person["completions"]:
                await self.people.save(person, changes={"completions": {}})
        # Frames are one per organisation, a small collection: this scan is what an erasure may cost.
        for frame in await self.frames.naming(person_id, STAFF_NAMING):
            async with self._locks.hold(FRAMES, frame["_id"]):
                current = await self.frames.get(frame["_id"])
                staff = frame_view(current)["staff"] if current else {}
                if current and person_id in staff:
                    await self.frames.save(current, changes=stored({
                        "staff": {p: t for p, t in staff.items() if p != person_id}}))

    def handlers(self) -> dict[str, dict[type, Callable[[CloudEvent], Any]]]:
        return {SESSIONS_TOPIC: {ParticipantCompleted: self.on_completed, CompletionRevoked: self.on_revoked}}
