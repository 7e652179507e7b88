"""The local stack's FerretDB: the patch it is built with (infra/ferretdb/sqlite-id-index.patch).

Upstream v1.24.2 finds, updates and deletes by `_id` through a SQLite expression its `_id`
index is not built on, so each of those scanned the whole collection; every service's
writes by `_id` grew slower with its collections. The patch changes only how the lookup is
spelled, so these tests check both halves: the index is used, and every kind of `_id`
still finds, updates and deletes exactly its own document.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from bson import ObjectId
from pymongo import MongoClient
from pymongo.collection import Collection

MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")


@pytest.fixture
def collection() -> Iterator[Collection]:
    client: MongoClient = MongoClient(MONGO, serverSelectionTimeoutMS=10000)
    database = f"test_stack_{uuid.uuid4().hex[:10]}"
    try:
        yield client[database].documents
    finally:
        client.drop_database(database)
        client.close()


def test_a_lookup_by_id_uses_the_id_index_and_other_filters_still_answer(collection: Collection):
    collection.insert_many([{"_id": f"measure-{n}", "n": n} for n in range(50)])

    plan = collection.database.command("explain", {"find": collection.name, "filter": {"_id": "measure-7"}})
    steps = " ".join(plan["queryPlanner"]["Plan"])
    assert "SEARCH" in steps and "USING INDEX" in steps and "__id_" in steps, steps
    assert collection.find_one({"_id": "measure-7"}) == {"_id": "measure-7", "n": 7}
    assert [d["_id"] for d in collection.find({"n": {"$gte": 48}}).sort("n", 1)] == ["measure-48", "measure-49"]


@pytest.mark.parametrize("kind", ["string", "object id", "integer", "document"])
def test_every_kind_of_id_finds_updates_and_deletes_only_its_own_document(collection: Collection, kind: str):
    make = {"string": lambda n: f"id-{n}", "object id": lambda n: ObjectId(), "integer": lambda n: n * 1000,
            "document": lambda n: {"cohort": "c1", "participant": n}}[kind]
    ids = [make(n) for n in range(20)]
    collection.insert_many([{"_id": i, "visits": 0} for i in ids])

    updated = collection.update_one({"_id": ids[3]}, {"$inc": {"visits": 1}})
    deleted = collection.delete_one({"_id": ids[5]})
    replaced = collection.replace_one({"_id": ids[8]}, {"visits": 9})

    assert (updated.modified_count, deleted.deleted_count, replaced.modified_count) == (1, 1, 1)
    assert collection.find_one({"_id": ids[3]})["visits"] == 1
    assert collection.find_one({"_id": ids[5]}) is None
    assert collection.find_one({"_id": ids[8]})["visits"] == 9
    untouched = [i for n, i in enumerate(ids) if n not in (3, 5, 8)]
    assert all(collection.find_one({"_id": i}) == {"_id": i, "visits": 0} for i in untouched)
    assert collection.count_documents({}) == 19
