"""samla-ops rebuild on the fault stack: refused while the service consumes; once it is stopped,
the roster is dropped and rebuilt from the retained events.

It runs on the fault stack, whose topic it first empties: replaying a topic from its
beginning on the shared stack would mean replaying everybody's test traffic.
"""

from __future__ import annotations

import uuid

import pytest
from pymongo import AsyncMongoClient

from samla_ops.config import PROJECTIONS
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.faults.fault_stack import drop_database
from tests.support.kafka import event_headers, forget_history, open_producer, start_group_at_end
from tests.tools.test_samla_ops import TOPIC, enrolled, ops


@pytest.mark.slow
async def test_rebuild_refuses_while_the_service_runs_then_replays_the_roster_from_the_beginning(
        fault_stack, service, wait_until, capsys):
    run = uuid.uuid4().hex[:8]
    group, database = f"test-ops-rebuild-{run}", f"test_ops_rebuild_{run}"
    # A URL the `service` fixture does not recognise as its own, so the database outlives each run.
    mongo_url = fault_stack.mongo + "&appname=samla-ops-test"
    cohort_id = f"cohort-ops-rebuild-{run}"
    events = [enrolled(cohort_id, n) for n in (1, 2, 3)]
    mongo: AsyncMongoClient = AsyncMongoClient(fault_stack.mongo)
    on_fault_stack = {"kafka": fault_stack.kafka, "mongo": fault_stack.mongo}
    roster = mongo[database].roster
    settings = {"consumer_group": group, "mongo_database": database, "mongo_url": mongo_url,
                "kafka_bootstrap_servers": fault_stack.kafka}
    await forget_history(fault_stack.kafka, TOPIC)
    await start_group_at_end(fault_stack.kafka, group, [TOPIC])
    async with open_producer(fault_stack.kafka) as producer:
        try:
            async with service(create_sessions, SessionsSettings, **settings):
                for event in events:
                    await producer.send_and_wait(TOPIC, event.value(), key=cohort_id.encode(),
                                                 headers=event_headers(event))

                async def three_entries() -> bool:
                    return await roster.count_documents({"cohort_id": cohort_id}) == 3

                await wait_until(three_entries)
                code, _ = await ops(capsys, "rebuild", "roster", "--group", group, "--database", database, "--yes",
                                    **on_fault_stack)
                assert code == 3, "a rebuild must be refused while the service consumes"

            code, result = await ops(capsys, "rebuild", "roster", "--group", group, "--database", database, "--yes",
                                     **on_fault_stack)
            assert code == 0, result
            assert result["dropped"]["roster"] >= 3
            assert await roster.count_documents({}) == 0
            assert all(offset >= 0 for offset in result["reset"].values())
            assert set(PROJECTIONS["roster"].collections) == {"roster"}

            async with service(create_sessions, SessionsSettings, **settings):
                await wait_until(three_entries, timeout=120)
            applications = {d["application_id"] async for d in roster.find({"cohort_id": cohort_id})}
            assert applications == {e.data.application_id for e in events}
        finally:
            await mongo.close()
            await drop_database(fault_stack.mongo, database)
