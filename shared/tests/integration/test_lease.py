"""The lease: exactly one holder among contenders, renewal, takeover after expiry, and the fence."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pymongo import AsyncMongoClient

from samla_shared.persistence.lease import LEASES, Lease


@pytest.fixture
async def db(mongo_url):
    mongo = AsyncMongoClient(mongo_url, tz_aware=True)
    database = mongo[f"test_lease_{uuid.uuid4().hex[:8]}"]
    try:
        yield database
    finally:
        await mongo.drop_database(database.name)
        await mongo.close()


async def test_of_many_contenders_at_once_exactly_one_holds_the_lease(db):
    contenders = [Lease(db, "relay", seconds=30, holder=f"instance-{i}") for i in range(8)]
    tokens = await asyncio.gather(*(c.hold() for c in contenders))
    assert sorted(tokens, key=lambda t: t or 0) == [None] * 7 + [1]
    winner = contenders[tokens.index(1)]
    # Renewing keeps the token; the others keep standing by.
    assert await winner.hold() == 1
    assert [await c.hold() for c in contenders if c is not winner] == [None] * 7
    assert await db[LEASES].count_documents({"name": "relay"}) == 1


async def test_an_expired_lease_is_taken_over_with_a_higher_token_and_the_old_holder_is_fenced(db, wait_until):
    old = Lease(db, "relay", seconds=0.5, holder="old")
    new = Lease(db, "relay", seconds=30, holder="new")
    assert await old.hold() == 1
    assert await new.hold() is None
    # The old holder stops renewing (paused, partitioned, killed); the new one takes term 2.
    assert await wait_until(new.hold, timeout=10, interval=0.1) == 2
    assert not await old.is_current(1)
    assert await new.is_current(2)
    # Coming back, the old holder learns it lost the lease instead of carrying on.
    assert await old.hold() is None and old.token is None


async def test_a_released_lease_is_taken_at_once(db):
    first = Lease(db, "relay", seconds=30, holder="first")
    second = Lease(db, "relay", seconds=30, holder="second")
    assert await first.hold() == 1
    await first.release()
    assert await second.hold() == 2
