"""The overdue watch runs by itself inside the service, and a restart neither stops nor repeats it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from samla_measures.entrypoints.app import create_app
from samla_measures.settings import MeasuresSettings


async def test_the_watch_announces_each_missed_follow_up_once_across_a_restart(
        clock, steps_on, kafka_bootstrap, mongo_url, measure_events, wait_until, admin_headers):
    settings = MeasuresSettings(
        environment="test", kafka_bootstrap_servers=kafka_bootstrap, mongo_url=mongo_url,
        mongo_database=f"test_measures_{uuid.uuid4().hex[:10]}", consumer_group=f"test-measures-{uuid.uuid4().hex[:10]}",
        # Only the watch and the outbox relay matter here; a round every fraction of a second.
        run_consumers=False, overdue_scan_interval_seconds=0.2)

    @asynccontextmanager
    async def running() -> AsyncIterator[tuple[object, object]]:
        app = create_app(settings, clock=clock)
        async with LifespanManager(app, startup_timeout=60, shutdown_timeout=120):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://measures",
                                         headers=admin_headers) as client:
                async def ready() -> bool:
                    return (await client.get("/health/ready")).status_code == 200

                await wait_until(ready, timeout=60)
                yield steps_on(client, network_id), app

    async def announcements(measure_id: str) -> list[str]:
        return [data["due_on"] for kind, data in await measure_events.of(measure_id) if kind == "FollowUpOverdue"]

    async def nothing_left_to_publish(app, *measure_ids: str) -> bool:
        docs = await app.state.measures.store.db.measures.find(
            {"_id": {"$in": list(measure_ids)}}, {"outbox_pending": 1}).to_list()
        return all(not doc.get("outbox_pending") for doc in docs)

    network_id = f"net-{uuid.uuid4().hex[:8]}"
    try:
        async with running() as (steps, app):
            early = await steps.adopted(first_follow_up_after_weeks=8)
            later = await steps.adopted(first_follow_up_after_weeks=12)
            clock.advance(weeks=8, days=1)  # only the first one is overdue now

            [due] = await wait_until(lambda: announcements(early["id"]))
            assert due == early["next_follow_up_due"]
            assert (await steps.measure(early["id"]))["overdue"] is True
            # The relay publishes at least once: stopping between its send and its mark would publish
            # again after the restart. That is the relay's promise, not the watch's, so wait for the mark.
            await wait_until(lambda: nothing_left_to_publish(app, early["id"]))

        clock.advance(weeks=4)  # the second one falls due while the service is down

        async with running() as (steps, app):
            [due] = await wait_until(lambda: announcements(later["id"]))
            assert due == later["next_follow_up_due"]
            rounds_seen = app.state.overdue_watch.rounds

            async def settled() -> bool:
                return app.state.overdue_watch.rounds >= rounds_seen + 3 \
                    and await nothing_left_to_publish(app, early["id"], later["id"])

            await wait_until(settled)
            # Many rounds after the restart, each missed follow-up was announced exactly once.
            assert await announcements(early["id"]) == [early["next_follow_up_due"]]
            assert await announcements(later["id"]) == [later["next_follow_up_due"]]
    finally:
        mongo = AsyncMongoClient(mongo_url)
        try:
            await mongo.drop_database(settings.mongo_database)
        finally:
            await mongo.close()
