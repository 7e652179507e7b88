"""The units' staff input: one versioned document per unit (`_id` the unit id) with its items and dialogue
results, handed out as `StaffInput` records with `Item` and `DialogueResult` entries."""

from __future__ import annotations

from typing import Any

from samla_measures.adapters.documents import RecordMapping, stored_entries
from samla_measures.domain.unit_input import DialogueResult, Item, ItemSource, ItemStatus, StaffInput


def item_from_document(doc: dict[str, Any]) -> Item:
    return Item(id=doc["id"], text=doc["text"], area=doc["area"], kind=doc["kind"], source=ItemSource(doc["source"]),
                submitted_by=doc.get("submitted_by"), submitted_at=doc["submitted_at"],
                status=ItemStatus(doc["status"]), rank=doc.get("rank"), prioritised_by=doc.get("prioritised_by"),
                prioritised_as=doc.get("prioritised_as"), measure_id=doc.get("measure_id"),
                session_id=doc.get("session_id"), dialogue_group=doc.get("dialogue_group"),
                keywords=doc.get("keywords") or [], why=doc.get("why"), prioritised_at=doc.get("prioritised_at"),
                reason=doc.get("reason"))


def item_document(item: Item) -> dict[str, Any]:
    doc = {"id": item.id, "text": item.text, "area": item.area, "kind": item.kind, "source": item.source.value,
           "submitted_by": item.submitted_by, "submitted_at": item.submitted_at, "status": item.status.value,
           "rank": item.rank, "prioritised_by": item.prioritised_by, "prioritised_as": item.prioritised_as,
           "measure_id": item.measure_id, "session_id": item.session_id, "dialogue_group": item.dialogue_group,
           "keywords": item.keywords, "why": item.why}
    if item.prioritised_at is not None:  # an item the parties never sorted has neither field
        doc |= {"prioritised_at": item.prioritised_at, "reason": item.reason}
    return doc


def result_from_document(doc: dict[str, Any]) -> DialogueResult:
    return DialogueResult(id=doc["id"], session_id=doc["session_id"], group=doc["group"], keywords=doc["keywords"],
                          why=doc["why"], next_step=doc["next_step"], area=doc["area"],
                          recorded_by=doc.get("recorded_by"), recorded_at=doc["recorded_at"], item_id=doc["item_id"])


def result_document(result: DialogueResult) -> dict[str, Any]:
    return {"id": result.id, "session_id": result.session_id, "group": result.group, "keywords": result.keywords,
            "why": result.why, "next_step": result.next_step, "area": result.area, "recorded_by": result.recorded_by,
            "recorded_at": result.recorded_at, "item_id": result.item_id}


def staff_input_from_document(doc: dict[str, Any]) -> StaffInput:
    return StaffInput(unit_id=doc["unit_id"], network_id=doc["network_id"], organisation_id=doc["organisation_id"],
                      link_hash=doc.get("link_hash"), link_created_at=doc.get("link_created_at"),
                      items=[item_from_document(i) for i in doc.get("items") or []],
                      dialogue_results=[result_from_document(r) for r in doc.get("dialogue_results") or []],
                      actors=doc.get("actors") or [], version=doc.get("version", 0), created_at=doc.get("created_at"),
                      updated_at=doc.get("updated_at"))


def staff_input_document(unit: StaffInput) -> dict[str, Any]:
    """The document a unit's input is first stored as (the version and times are the store's)."""
    doc = {"_id": unit.unit_id, "unit_id": unit.unit_id, "network_id": unit.network_id,
           "organisation_id": unit.organisation_id, "link_hash": unit.link_hash,
           "items": [item_document(i) for i in unit.items],
           "dialogue_results": [result_document(r) for r in unit.dialogue_results], "actors": unit.actors}
    return doc | ({"link_created_at": unit.link_created_at} if unit.link_created_at is not None else {})


# Changes (or entries to append) are stored with the items and dialogue results as their documents.
STAFF_INPUT_RECORDS = RecordMapping(
    from_document=staff_input_from_document, to_document=staff_input_document,
    stored_changes=stored_entries({Item: item_document, DialogueResult: result_document}))
