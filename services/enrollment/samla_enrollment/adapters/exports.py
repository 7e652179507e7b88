"""Reads for exports: a cohort's applications and the people they name, in two queries.

Kept apart from EnrollmentStore because an export reads a whole cohort at once (one scan
of the cohort's applications, one `_id` look-up of its people) where the API pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

# What an export shows of an application: not its history, its announcement or free text.
EXPORTED_FIELDS = {"history": 0, "announce": 0, "education": 0, "experience": 0, "motivation": 0}
CONTACT_FIELDS = {"name": 1, "email": 1, "phone": 1, "language": 1}


class ExportReader:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def applications(self, cohort_id: str) -> list[dict[str, Any]]:
        cursor = self.db.applications.find({"cohort_id": cohort_id}, EXPORTED_FIELDS)
        return [doc async for doc in cursor.sort([("submitted_at", ASCENDING), ("_id", ASCENDING)])]

    async def people(self, person_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(person_ids))
        if not ids:
            return {}
        return {doc["_id"]: doc async for doc in self.db.people.find({"_id": {"$in": ids}}, CONTACT_FIELDS)}
