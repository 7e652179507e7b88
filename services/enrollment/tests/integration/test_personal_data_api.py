"""Erasure and access requests at enrollment (platform admin): what a person is told, what is announced.

The journey through all four services, with the search of every database and topic, is
tests/integration/test_personal_data.py; retention is tests/tools/test_retention.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from asgi_lifespan import LifespanManager
import httpx
from pymongo import AsyncMongoClient

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

PROBLEM = "application/problem+json"


async def test_an_unknown_person_cannot_be_erased_or_exported(enrollment):
    for response in (await enrollment.post("/people/nobody-here/erasure", json={"by": "admin"}),
                     await enrollment.get("/people/nobody-here/erasure"),
                     await enrollment.get("/people/nobody-here/data")):
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    refused = await enrollment.post("/people/someone/erasure", json={"by": "admin", "surplus": 1})
    assert refused.status_code == 422


async def test_erasure_announces_ids_only_in_each_network_and_keeps_the_seat(enrollment, desk, published, caller):
    cohort = await desk.cohort(capacity=3)
    application = await desk.apply(cohort["id"], 1, motivation="Jeg vil lære mer om verdiarbeid.")
    person_id = application["participant_id"]

    exported = (await enrollment.get(f"/people/{person_id}/data")).json()
    assert exported["contact"]["email"] == f"deltaker1.{desk.tag}@example.no"
    assert [a["motivation"] for a in exported["applications"]] == ["Jeg vil lære mer om verdiarbeid."]
    assert exported["erasure"] is None

    # The record names the signed-in admin; a `by` in the body is ignored.
    admin = caller(enrollment, "admin-ola", roles=["platform_admin"])
    erased = await admin.post(f"/people/{person_id}/erasure", json={"by": "someone-else"})
    assert erased.status_code == 202, erased.text
    record = erased.json()
    assert record["requested_by"] == "admin-ola" and record["networks"] == [desk.network]
    assert record["erased"] == {"people": 1, "applications": 1, "interests": 0}

    [(kind, data)] = await published.wait_for(person_id, "ParticipantErased")
    assert data == {"schema_version": 1, "network_id": desk.network, "participant_id": person_id,
                    "erasure_id": record["erasure_id"], "erased_at": data["erased_at"]}

    again = await enrollment.post(f"/people/{person_id}/erasure")
    assert again.status_code == 202 and again.json() == record
    assert (await enrollment.get(f"/people/{person_id}/contact")).status_code == 404
    left = (await enrollment.get(f"/people/{person_id}/data")).json()
    assert left["contact"] is None and left["erasure"]["erasure_id"] == record["erasure_id"]
    # The seat and the cohort's counts stay; the application no longer says anything about the person.
    shown = await desk.shown("applications", application["id"])
    assert shown["status"] == "enrolled" and shown["motivation"] is None and shown["role"] is None
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 1
    # The same address applying later is a new person.
    returning = await desk.apply((await desk.cohort())["id"], 1)
    assert returning["participant_id"] != person_id


async def test_an_erasure_interrupted_after_it_was_recorded_is_finished_at_the_next_start(
        kafka_bootstrap, mongo_url, published, admin_headers):
    database = f"test_enrollment_{uuid.uuid4().hex[:10]}"

    def app():
        return create_app(EnrollmentSettings(environment="test", kafka_bootstrap_servers=kafka_bootstrap,
                                             mongo_url=mongo_url, mongo_database=database, run_consumers=False))

    async def client(instance) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=instance), base_url="http://enrollment",
                                 headers=admin_headers)

    mongo = AsyncMongoClient(mongo_url)
    try:
        first = app()
        async with LifespanManager(first, startup_timeout=60, shutdown_timeout=120):
            async with await client(first) as enrollment:
                programme = (await enrollment.post("/programmes", json={
                    "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-vest"})).json()
                registered = await enrollment.post(f"/programmes/{programme['id']}/interest", json={
                    "person": {"name": "Kari Nordmann", "email": f"kari.{uuid.uuid4().hex[:6]}@example.no"}})
                assert registered.status_code == 201, registered.text
                person_id = registered.json()["person_id"]
        # The process stopped right after writing the record, before erasing anything.
        await mongo[database].erasures.insert_one({
            "_id": person_id, "erasure_id": "erasure-1", "person_id": person_id, "requested_by": "admin",
            "requested_at": datetime.now(UTC), "networks": ["net-vest"], "completed_at": None})

        second = app()
        async with LifespanManager(second, startup_timeout=60, shutdown_timeout=120):
            async with await client(second) as enrollment:
                [(_, data)] = await published.wait_for(person_id, "ParticipantErased")
                assert data["erasure_id"] == "erasure-1"
                record = (await enrollment.get(f"/people/{person_id}/erasure")).json()
                assert record["completed_at"] is not None and record["erased"]["interests"] == 1
                assert (await enrollment.get(f"/people/{person_id}/contact")).status_code == 404
    finally:
        await mongo.drop_database(database)
        await mongo.close()
