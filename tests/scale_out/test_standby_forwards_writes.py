"""Two measures processes sharing one database, as two pods of one service: many writes of one
document, sent to both at once, all land (the standby forwards its writes to the writer, so
FerretDB's read-modify-write never meets a second process); with the writer SIGKILLed, the
standby answers writes 503 with Retry-After until its lease runs out, then takes over and
writes itself. The election is the shared runtime's, so sessions and notifications behave
alike (test_two_enrollment_instances.py shows it on enrollment's cohort writer)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from tests.faults.fault_stack import drop_database
from tests.scale_out.service_process import electing_instances, start_writer_then_standbys

pytestmark = pytest.mark.slow

LEASE_SECONDS = 3.0
MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025) for month in range(1, 13)]


def reading(network: str, period: str) -> dict:
    return {"network_id": network, "organisation_id": "org-scale", "period": period, "value": 5.0}


async def test_writes_sent_to_either_instance_all_land_and_a_standby_takes_over_from_a_killed_writer(
        kafka_bootstrap, mongo_url, admin_headers, wait_until, tmp_path):
    run = uuid.uuid4().hex[:8]
    database, network, unit = f"test_measures_scale_{run}", f"net-scale-{run}", f"unit-scale-{run}"
    processes = electing_instances("measures", {
        "kafka_bootstrap_servers": kafka_bootstrap, "mongo_url": mongo_url, "mongo_database": database,
        "consumer_group": f"test-measures-scale-{run}", "consumer_offset_reset": "latest"},
        tmp_path, lease_seconds=LEASE_SECONDS)
    writer, standby = processes
    series = f"/units/{unit}/series/sick_leave_percent"
    listed = f"/units/{unit}/series"
    try:
        await start_writer_then_standbys(processes, wait_until)
        async with httpx.AsyncClient(headers=admin_headers, timeout=60) as client:
            # 24 months of one unit's series (one document), half through each instance, all at once.
            answers = await asyncio.gather(*(
                client.put(f"{(writer, standby)[i % 2].url}{series}/readings", json=reading(network, period))
                for i, period in enumerate(MONTHS)))
            assert [a.status_code for a in answers] == [200] * len(MONTHS), [a.text for a in answers if a.is_error]
            for process in processes:  # both read the same document
                [shown] = (await client.get(process.url + listed)).json()
                assert [r["period"] for r in shown["readings"]] == MONTHS

            writer.kill()
            refused = await client.put(f"{standby.url}{series}/readings", json=reading(network, "2026-01"))
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert int(refused.headers["retry-after"]) >= 1
            assert (await client.get(standby.url + listed)).status_code == 200  # reads go on meanwhile

            started = time.monotonic()

            async def taken_over() -> httpx.Response | None:
                answer = await client.put(f"{standby.url}{series}/readings", json=reading(network, "2026-01"))
                return answer if answer.status_code != 503 else None

            answer = await wait_until(taken_over, timeout=60, interval=0.5)
            assert answer.status_code == 200, answer.text
            print(f"\nthe standby took over the writes {time.monotonic() - started:.1f}s after the writer died")
            assert [r["period"] for r in answer.json()["readings"]] == [*MONTHS, "2026-01"]
    finally:
        for process in processes:
            process.stop()
        await drop_database(mongo_url, database)
