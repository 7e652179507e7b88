"""The units' own series: one versioned document per unit and kind (`_id` `<unit_id>:<kind>`), handed
out as `Series` records."""

from __future__ import annotations

from typing import Any

from samla_shared.contract.measures import SeriesKind
from samla_measures.adapters.documents import RecordMapping
from samla_measures.domain.series import Series


def series_from_document(doc: dict[str, Any]) -> Series:
    return Series(id=doc["_id"], unit_id=doc["unit_id"], kind=SeriesKind(doc["kind"]), network_id=doc["network_id"],
                  organisation_id=doc["organisation_id"], readings=doc.get("readings") or {},
                  last_recorded_by=doc.get("last_recorded_by"), actors=doc.get("actors") or [],
                  version=doc.get("version", 0), created_at=doc.get("created_at"), updated_at=doc.get("updated_at"))


def series_document(series: Series) -> dict[str, Any]:
    """The document a series is first stored as, with the version of its first reading (the times are the store's)."""
    return {"_id": series.id, "unit_id": series.unit_id, "kind": series.kind.value, "network_id": series.network_id,
            "organisation_id": series.organisation_id, "readings": series.readings,
            "last_recorded_by": series.last_recorded_by, "actors": series.actors, "version": series.version}


SERIES_RECORDS = RecordMapping(from_document=series_from_document, to_document=series_document)
