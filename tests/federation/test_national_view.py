"""A national programme owner sees every region's activity, attributed to its region, through
MirrorMaker 2; a regional outage delays the national view and loses nothing.

The regional services (enrollment, sessions, measures of region `west`) run on the
region's own Kafka; MirrorMaker 2 copies their topics into the national cluster as
`west.samla.*.v1`; a measures service in national mode builds the view from those.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from samla_shared.contract import MEASURES_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.measures import MeasureArea, MeasureProposed
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.entrypoints.national_feed import NATIONAL_DEAD_LETTERS
from samla_measures.settings import MeasuresSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.federation.federation_stack import REGION, Federation
from tests.integration.journeys import open_cohort
from tests.support.kafka import event_headers, header, open_producer, read_records

pytestmark = pytest.mark.slow

# MirrorMaker 2 and a new consumer group on a loaded two-core machine take their time.
REPLICATION_TIMEOUT = 120.0
PAST_DAY = {"kind": "gathering", "starts_at": "2026-10-05T09:00:00", "ends_at": "2026-10-05T16:00:00"}


@asynccontextmanager
async def national_measures(service: Callable[..., Any], federation: Federation) -> AsyncIterator[httpx.AsyncClient]:
    """The national deployment: measures in national mode, its own broker on the national cluster."""
    async with service(create_measures, MeasuresSettings, deployment="national",
                       kafka_bootstrap_servers=federation.national.bootstrap, run_consumers=False,
                       national_kafka_bootstrap_servers=federation.national.bootstrap,
                       national_consumer_group=f"test-national-{uuid.uuid4().hex[:10]}",
                       national_topic_discovery_seconds=5) as client:
        yield client


async def overview(national: httpx.AsyncClient) -> dict[str, Any]:
    response = await national.get("/national/overview", params={"region": REGION})
    assert response.status_code == 200, response.text
    return response.json()


def programme_row(view: dict[str, Any], programme_id: str) -> dict[str, Any] | None:
    return next((row for row in view["programmes"] if row["programme_id"] == programme_id), None)


async def enrol(enrollment: httpx.AsyncClient, cohort_id: str, n: int) -> dict[str, Any]:
    applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
        "participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}.{uuid.uuid4().hex[:6]}@example.no",
                        "role": "helsefagarbeider"},
        "manager": {"name": "Leder", "email": "leder@example.no"},
        "organisation_id": "org-helse-vest", "unit_id": f"unit-{n}",
    })
    assert applied.status_code == 201 and applied.json()["status"] == "enrolled", applied.text
    return applied.json()


async def propose_measure(measures: httpx.AsyncClient, area: MeasureArea) -> str:
    proposed = await measures.post("/measures", json={
        "network_id": "net-vest", "organisation_id": "org-helse-vest", "unit_ids": ["unit-1"],
        "title": "Tidlig og tett på", "area": area.value, "goal": "Lavere sykefravær"})
    assert proposed.status_code == 201, proposed.text
    return proposed.json()["id"]


async def test_the_national_view_shows_regional_activity_by_region_and_loses_nothing_in_a_regional_outage(
        federation: Federation, service, wait_until):
    regional = {"deployment": REGION, "kafka_bootstrap_servers": federation.region.bootstrap,
                "consumer_offset_reset": "earliest"}
    async with AsyncExitStack() as stack:
        enrollment = await stack.enter_async_context(service(create_enrollment, EnrollmentSettings, **regional))
        sessions = await stack.enter_async_context(service(create_sessions, SessionsSettings, **regional))
        measures = await stack.enter_async_context(service(create_measures, MeasuresSettings, **regional))
        national = await stack.enter_async_context(national_measures(service, federation))

        # A cohort in the region: two participants enrolled, one gathering held, both complete.
        cohort_id = await open_cohort(enrollment)
        programme_id = (await enrollment.get(f"/cohorts/{cohort_id}")).json()["programme_id"]
        participants = [(await enrol(enrollment, cohort_id, n))["participant_id"] for n in (1, 2)]

        async def roster_complete():
            roster = await sessions.get(f"/cohorts/{cohort_id}/roster")
            return roster.status_code == 200 and len(roster.json()["members"]) == 2

        await wait_until(roster_complete, timeout=60)
        gathering = await sessions.post(f"/cohorts/{cohort_id}/sessions", json=PAST_DAY)
        assert gathering.status_code == 201, gathering.text
        ticked = await sessions.put(f"/sessions/{gathering.json()['id']}/attendance", json={
            "records": [{"participant_id": p, "status": "present"} for p in participants]})
        assert ticked.status_code == 200, ticked.text
        assert (await sessions.post(f"/sessions/{gathering.json()['id']}/held", json={})).status_code == 200
        await propose_measure(measures, MeasureArea.SICK_LEAVE_FOLLOW_UP)

        async def first_activity_arrived():
            view = await overview(national)
            row = programme_row(view, programme_id)
            # Each partition replicates on its own: wait for every part, not just the last one sent.
            counts = row and (row["cohorts"], row["participants_enrolled"], row["completions"])
            complete = counts == (1, 2, 2) and row["title"] is not None
            return view if complete and view["measures_by_area"] else None

        view = await wait_until(first_activity_arrived, timeout=REPLICATION_TIMEOUT)
        assert programme_row(view, programme_id) == {
            "region": REGION, "programme_id": programme_id, "code": "KULT", "title": "Kulturkompetanse",
            "status": "published", "cohorts": 1, "participants_enrolled": 2, "completions": 2}
        assert view["regions"] == [{"region": REGION, "programmes": 1, "cohorts": 1, "participants_enrolled": 2,
                                    "completions": 2, "measures": 1}]
        assert view["measures_by_area"] == [{"region": REGION, "area": "sick_leave_follow_up", "total": 1,
                                             "proposed": 1, "adopted": 0, "evaluated": 0, "discontinued": 0}]
        # Another region's filter shows none of it: the records are attributed to `west` only.
        other = (await national.get("/national/overview", params={"region": "east"})).json()
        assert other == {"regions": [], "programmes": [], "measures_by_area": [], "trends": []}

        # The regional cluster goes down. Work goes on in the region: it waits in the outboxes.
        await federation.region.stop()
        second_cohort = await open_cohort(enrollment, capacity=5)
        second_programme = (await enrollment.get(f"/cohorts/{second_cohort}")).json()["programme_id"]
        await enrol(enrollment, second_cohort, 3)
        await propose_measure(measures, MeasureArea.FULL_TIME_CULTURE)
        during_outage = await overview(national)
        assert programme_row(during_outage, second_programme) is None
        assert during_outage["regions"] == view["regions"], "the national view changed while the region was down"

        await federation.region.start()

        async def outage_work_arrived():
            current = await overview(national)
            row = programme_row(current, second_programme)
            # Replication runs per partition: the programme's own record may come after its cohort's.
            complete = row and row["title"] is not None and row["participants_enrolled"] == 1
            return current if complete and current["regions"][0]["measures"] == 2 else None

        after = await wait_until(outage_work_arrived, timeout=REPLICATION_TIMEOUT)
        assert after["regions"] == [{"region": REGION, "programmes": 2, "cohorts": 2, "participants_enrolled": 3,
                                     "completions": 2, "measures": 2}]
        assert programme_row(after, programme_id) == programme_row(view, programme_id)
        assert programme_row(after, second_programme) == {
            "region": REGION, "programme_id": second_programme, "code": "KULT", "title": "Kulturkompetanse",
            "status": "published", "cohorts": 1, "participants_enrolled": 1, "completions": 0}
        assert [(row["area"], row["proposed"]) for row in after["measures_by_area"]] == [
            ("full_time_culture", 1), ("sick_leave_follow_up", 1)]


async def test_the_national_view_counts_a_replicated_duplicate_once_and_parks_poison_in_the_national_dlq(
        federation: Federation, service, wait_until):
    """A record copied twice (MirrorMaker 2 is at-least-once), a record whose source names another
    region, and a record that is not JSON, all written in the region and replicated."""
    organisation = f"org-{uuid.uuid4().hex[:8]}"
    measure = MeasureProposed(network_id="net-vest", measure_id=f"m-{uuid.uuid4().hex[:10]}",
                              organisation_id=organisation, unit_ids=["unit-1"], area=MeasureArea.CULTURE_AND_VALUES)
    genuine = CloudEvent(data=measure, source=f"/samla/{REGION}/measures")
    # Same key, so it follows the two copies on their partition: once it is parked, both were applied.
    misattributed = CloudEvent(data=measure, source="/samla/east/measures")
    async with open_producer(federation.region.bootstrap) as producer:
        for cloud in (genuine, genuine, misattributed):
            await producer.send_and_wait(MEASURES_TOPIC, cloud.value(), key=cloud.subject.encode(),
                                         headers=event_headers(cloud))
        await producer.send_and_wait(MEASURES_TOPIC, b"{not json", key=b"m-broken", headers=event_headers(genuine))

    async with national_measures(service, federation) as national:
        async def parked():
            records = await read_records(federation.national.bootstrap, NATIONAL_DEAD_LETTERS)
            ours = [r for r in records if header(r, "ce_id") in (genuine.id, misattributed.id)]
            return ours if len(ours) == 2 else None

        [misattributed_record, broken_record] = sorted(
            await wait_until(parked, timeout=REPLICATION_TIMEOUT), key=lambda r: r.key != misattributed.subject.encode())
        assert header(misattributed_record, "dlq_original_topic") == f"{REGION}.{MEASURES_TOPIC}"
        assert "does not name region 'west'" in header(misattributed_record, "dlq_reason")
        assert header(misattributed_record, "ce_id") == misattributed.id
        assert header(broken_record, "dlq_original_topic") == f"{REGION}.{MEASURES_TOPIC}"
        assert "not JSON" in header(broken_record, "dlq_reason")
        assert broken_record.value == b"{not json"

        view = await overview(national)
        ours = [row for row in view["measures_by_area"] if row["area"] == "culture_and_values"]
        assert ours == [{"region": REGION, "area": "culture_and_values", "total": 1, "proposed": 1, "adopted": 0,
                         "evaluated": 0, "discontinued": 0}]
