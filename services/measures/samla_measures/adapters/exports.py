"""Reads for exports and charts: whole measures (with indicators and follow-ups) matching a scope.

Kept apart from MeasureStore because an export reads every matching measure in one pass
where the API pages, and wants the follow-ups the list projection leaves out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.messaging.outbox import OUTBOX_FIELD
from samla_measures.adapters.ports import MeasureQuery
from samla_measures.adapters.repository import measure_filter, measure_from_document
from samla_measures.domain.measure import Measure


class MeasureExportReader:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def measures(self, query: MeasureQuery) -> AsyncIterator[Measure]:
        cursor = self.db.measures.find(measure_filter(query), {OUTBOX_FIELD: 0, "history": 0})
        async for measure in cursor.sort([("created_at", ASCENDING), ("_id", ASCENDING)]):
            yield measure_from_document(measure)
