"""The roster per cohort is built only from enrollment's events, and stays right whatever Kafka does:
records delivered twice, in another order, across cohorts, and across a restart of the service."""

from __future__ import annotations

import uuid

from pymongo import AsyncMongoClient

from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings


async def roster(client, cohort_id: str, status: str = "enrolled") -> set[str]:
    members = (await client.get(f"/cohorts/{cohort_id}/roster", params={"status": status})).json()["members"]
    return {m["participant_id"] for m in members}


async def test_the_roster_is_right_after_every_event_is_delivered_twice_and_out_of_its_first_order_across_cohorts(
        service, enrollment_feed, wait_until):
    feed = enrollment_feed
    a, b, c = (f"cohort-{uuid.uuid4().hex[:12]}" for _ in range(3))
    a1, a2, b1 = feed.enrolled(a, 1), feed.enrolled(a, 2), feed.enrolled(b, 1)
    a3 = feed.enrolled(a, 3, via="waitlist")  # promoted into the seat a1 gave up
    b2, c1 = feed.enrolled(b, 3), feed.enrolled(c, 1)
    async with service(create_sessions, SessionsSettings) as sessions:
        first = await feed.send(a1, b1, a2, feed.withdrawn(b1, 2), feed.withdrawn(a1, 3), a3, b2,
                                # cohort c's first delivery is already out of order: the withdrawal comes first
                                feed.withdrawn(c1, 2), c1)

        async def first_round_applied():
            return (await roster(sessions, a), await roster(sessions, b), await roster(sessions, c, "withdrawn")) == (
                {a2.participant_id, a3.participant_id}, {b2.participant_id}, {c1.participant_id})

        await wait_until(first_round_applied)

        # Every record again (same CloudEvents ids), each cohort's reversed and the cohorts interleaved
        # differently; then one new enrolment per cohort, to know when the replays are behind us.
        replayed = first[::-1]
        await feed.send(*replayed[1::2], *replayed[0::2])
        a4, b4, c4 = feed.enrolled(a, 10), feed.enrolled(b, 10), feed.enrolled(c, 10)
        await feed.send(a4, b4, c4)

        async def newcomers_seen():
            return (a4.participant_id in await roster(sessions, a) and b4.participant_id in await roster(sessions, b)
                    and c4.participant_id in await roster(sessions, c))

        await wait_until(newcomers_seen)
        assert await roster(sessions, a) == {a2.participant_id, a3.participant_id, a4.participant_id}
        assert await roster(sessions, a, "withdrawn") == {a1.participant_id}
        assert await roster(sessions, b) == {b2.participant_id, b4.participant_id}
        assert await roster(sessions, b, "withdrawn") == {b1.participant_id}
        assert await roster(sessions, c) == {c4.participant_id}
        assert await roster(sessions, c, "withdrawn") == {c1.participant_id}
        via = {m["participant_id"]: m["via"] for m in
               (await sessions.get(f"/cohorts/{a}/roster")).json()["members"]}
        assert via[a3.participant_id] == "waitlist"


async def test_the_roster_survives_a_restart_and_a_new_database_rebuilds_it_from_the_retained_events(
        service, enrollment_feed, wait_until, replay_point, mongo_url):
    feed = enrollment_feed
    cohort = f"cohort-{uuid.uuid4().hex[:12]}"
    a1, a2, a3 = feed.enrolled(cohort, 1), feed.enrolled(cohort, 2), feed.enrolled(cohort, 3, via="waitlist")
    history_starts = await replay_point.mark()
    group, database = f"test-sessions-{uuid.uuid4().hex[:10]}", f"test_sessions_{uuid.uuid4().hex[:10]}"
    await replay_point.start_group_at(group, history_starts)
    # The fixture drops a database it created on the default URL; this one must outlive the first run.
    kept = {"mongo_url": f"{mongo_url}&appName=restart-test", "mongo_database": database, "consumer_group": group}
    expected = ({a2.participant_id, a3.participant_id}, {a1.participant_id})

    async def settled(client):
        async def check():
            return (await roster(client, cohort), await roster(client, cohort, "withdrawn")) == expected

        await wait_until(check)

    try:
        async with service(create_sessions, SessionsSettings, **kept) as sessions:
            await feed.send(a1, a2)

            async def both_enrolled():
                return await roster(sessions, cohort) == {a1.participant_id, a2.participant_id}

            await wait_until(both_enrolled)

        # While the service is down, a1 leaves and a3 moves up from the waitlist.
        await feed.send(feed.withdrawn(a1, 3), a3)
        async with service(create_sessions, SessionsSettings, **kept) as restarted:
            await settled(restarted)

        rebuilt_group = f"test-sessions-{uuid.uuid4().hex[:10]}"
        await replay_point.start_group_at(rebuilt_group, history_starts)
        async with service(create_sessions, SessionsSettings, consumer_group=rebuilt_group) as rebuilt:
            await settled(rebuilt)
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(database)
        await mongo.close()
