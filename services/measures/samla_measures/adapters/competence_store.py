"""Competences as stored: an organisation's frame (`competence_frames`, `_id` the organisation id), a
programme's conferred competences (`programme_competences`, `_id` the programme id) and a person's
completions (`person_competences`, `_id` the person id, with the outbox of CompetenceRecorded /
CompetenceRevoked), each handed out as its record.

A frame keeps its staff types and staff as lists of entries: an id is data, never a field name, so an
id holding a dot, a dollar or a control character is stored and found like any other. The records hold
them as maps keyed by id, the shape the rules work on.
"""

from __future__ import annotations

from typing import Any

from samla_measures.adapters.documents import RecordMapping, stored_entries
from samla_measures.domain.competences import (
    CompetenceFrame,
    CompetenceHolder,
    Completion,
    ConferredCompetences,
    StaffType,
)

# -- an organisation's frame ------------------------------------------------------------------------

def frame_from_document(doc: dict[str, Any]) -> CompetenceFrame:
    return CompetenceFrame(
        organisation_id=doc["organisation_id"], network_id=doc["network_id"],
        staff_types={t["id"]: StaffType(name=t["name"], competence_ids=t["competence_ids"])
                     for t in doc.get("staff_types") or []},
        staff={m["person_id"]: m["staff_type_id"] for m in doc.get("staff") or []},
        version=doc.get("version", 0), created_at=doc.get("created_at"), updated_at=doc.get("updated_at"))


def frame_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Changes to a frame's maps, as the lists the store keeps."""
    out = dict(changes)
    if "staff_types" in out:
        out["staff_types"] = [{"id": t, "name": v.name, "competence_ids": v.competence_ids}
                              for t, v in out["staff_types"].items()]
    if "staff" in out:
        out["staff"] = [{"person_id": p, "staff_type_id": t} for p, t in out["staff"].items()]
    return out


def frame_document(frame: CompetenceFrame) -> dict[str, Any]:
    """The document a frame is first stored as (the version and times are the store's)."""
    return {"_id": frame.organisation_id, "organisation_id": frame.organisation_id, "network_id": frame.network_id,
            **frame_changes({"staff_types": frame.staff_types, "staff": frame.staff})}


# -- a programme's conferred competences ----------------------------------------------------------

def conferred_from_document(doc: dict[str, Any]) -> ConferredCompetences:
    return ConferredCompetences(programme_id=doc["programme_id"], network_id=doc["network_id"],
                                competence_ids=doc["competence_ids"], version=doc.get("version", 0),
                                created_at=doc.get("created_at"), updated_at=doc.get("updated_at"))


def conferred_document(conferred: ConferredCompetences) -> dict[str, Any]:
    return {"_id": conferred.programme_id, "programme_id": conferred.programme_id,
            "network_id": conferred.network_id, "competence_ids": conferred.competence_ids}


# -- a person's completions -------------------------------------------------------------------------

def completion_from_document(doc: dict[str, Any]) -> Completion:
    return Completion(programme_id=doc["programme_id"], organisation_id=doc["organisation_id"],
                      network_id=doc["network_id"], completed_at=doc["completed_at"],
                      competence_ids=doc["competence_ids"])


def completion_document(completion: Completion) -> dict[str, Any]:
    return {"programme_id": completion.programme_id, "organisation_id": completion.organisation_id,
            "network_id": completion.network_id, "completed_at": completion.completed_at,
            "competence_ids": completion.competence_ids}


def holder_from_document(doc: dict[str, Any]) -> CompetenceHolder:
    return CompetenceHolder(person_id=doc["person_id"],
                            completions={cohort: completion_from_document(c)
                                         for cohort, c in (doc.get("completions") or {}).items()},
                            version=doc.get("version", 0), created_at=doc.get("created_at"),
                            updated_at=doc.get("updated_at"))


# Changes (`completions`, or one `completions.<cohort>`) with the completions as their documents.
holder_changes = stored_entries({Completion: completion_document})


def holder_document(holder: CompetenceHolder) -> dict[str, Any]:
    return {"_id": holder.person_id, "person_id": holder.person_id,
            **holder_changes({"completions": holder.completions})}


FRAME_RECORDS = RecordMapping(from_document=frame_from_document, to_document=frame_document,
                              stored_changes=frame_changes)
CONFERRED_RECORDS = RecordMapping(from_document=conferred_from_document, to_document=conferred_document)
HOLDER_RECORDS = RecordMapping(from_document=holder_from_document, to_document=holder_document,
                               stored_changes=holder_changes)
