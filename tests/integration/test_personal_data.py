"""GDPR on the real stack: a person goes through every service, asks what Samla holds, and is erased.

After the erasure, every document of every service's database and every record on every
`samla.*` topic (dead-letter topics included; values, keys and headers) is searched for the
person's name, e-mail address and phone number, and none is found.

The SMTP sink is deliberately not searched: a mail handed to the recipient's mail server
has left Samla (it is the outside world, like the recipient's inbox), and erasure cannot
recall it. docs/privacy.md says so.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from samla_shared.messaging.kafka_admin import topic_partitions
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.support.kafka import each_record, offset_bounds

NETWORK = "net-privacy"
# The same stack as the root conftest's fixtures.
KAFKA = os.environ.get("SAMLA_TEST_KAFKA", "127.0.0.1:9092")
MONGO = os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")




def strings(value: Any) -> Iterator[str]:
    """Every string in a document, keys included, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def found_in(text: str, needles: list[str]) -> list[str]:
    lowered = text.lower()
    return [n for n in needles if n.lower() in lowered]


async def database_hits(database: str, needles: list[str]) -> list[tuple[str, str, Any, list[str]]]:
    mongo = AsyncMongoClient(MONGO)
    hits = []
    try:
        db = mongo[database]
        for collection in await db.list_collection_names():
            async for document in db[collection].find({}):
                for text in strings(document):
                    if found := found_in(text, needles):
                        hits.append((database, collection, document.get("_id"), found))
    finally:
        await mongo.close()
    return hits


async def kafka_hits(needles: list[str]) -> tuple[int, list[tuple[str, int, int, list[str]]]]:
    """Every record of every samla.* topic, from the beginning: how many were read, and which hold a needle."""
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if t.startswith("samla."))
        partitions = []
        for topic in topics:
            # A topic being described while its leader moves answers with an error: ask again.
            for _ in range(30):
                if found := await topic_partitions(admin, topic):
                    partitions += found
                    break
                await asyncio.sleep(1)
            else:
                raise AssertionError(f"{topic} could not be described, so it could not be searched")
    finally:
        await admin.close()
    starts, ends = await offset_bounds(KAFKA, partitions)
    read, hits = 0, []
    async for record in each_record(KAFKA, partitions):
        read += 1
        parts = [record.key or b"", record.value or b""]
        parts += [name.encode() + b"=" + (value or b"") for name, value in record.headers or ()]
        if found := found_in(b"\n".join(parts).decode("utf-8", "replace"), needles):
            hits.append((record.topic, record.partition, record.offset, found))
    # Every record there was before the search was read (the search cannot pass by reading nothing).
    assert read >= sum(ends[tp] - starts[tp] for tp in partitions), (read, len(partitions))
    return read, hits


def settings_for(name: str) -> dict[str, Any]:
    return {"environment": "test", "kafka_bootstrap_servers": KAFKA, "mongo_url": MONGO,
            "mongo_database": f"test_{name}_{uuid.uuid4().hex[:10]}",
            "consumer_group": f"test-{name}-{uuid.uuid4().hex[:10]}", "consumer_offset_reset": "latest"}


async def test_an_erased_person_is_found_in_no_database_and_on_no_topic(wait_until, admin_headers, served,
                                                                        dev_issuer):
    suffix = secrets.token_hex(4)
    name = f"Sølvi Ørnehaug{suffix}"
    email = f"solvi.ornehaug.{suffix}@example.no"
    phone = f"+47 9{secrets.randbelow(10**7):07d}"
    needles = [name, f"Ørnehaug{suffix}", email, phone, phone.replace(" ", "").removeprefix("+47")]

    configs = {name_: settings_for(name_) for name_ in ("enrollment", "sessions", "measures", "notifications")}
    enrollment_app = create_enrollment(EnrollmentSettings(**configs["enrollment"]))
    async with served(enrollment_app, lifespan=True) as enrollment_url:
        notifications_app = create_notifications(NotificationsSettings(
            **configs["notifications"], enrollment_url=enrollment_url, mail_horizon_hours=1000))
        sessions_app = create_sessions(SessionsSettings(**configs["sessions"]))
        measures_app = create_measures(MeasuresSettings(**configs["measures"]))
        async with served(notifications_app, lifespan=True) as notifications_url, \
                served(sessions_app, lifespan=True) as sessions_url, \
                served(measures_app, lifespan=True) as measures_url, \
                httpx.AsyncClient(base_url=enrollment_url, headers=admin_headers) as enrollment, \
                httpx.AsyncClient(base_url=sessions_url, headers=admin_headers) as sessions, \
                httpx.AsyncClient(base_url=measures_url, headers=admin_headers) as measures, \
                httpx.AsyncClient(base_url=notifications_url, headers=admin_headers) as notifications:
            for client in (enrollment, sessions, measures, notifications):
                async def ready(client: httpx.AsyncClient = client) -> bool:
                    return (await client.get("/health/ready")).status_code == 200
                await wait_until(ready, timeout=60)

            # Enrollment: an application (with a motivation naming the applicant) and an interest registration.
            programme = (await enrollment.post("/programmes", json={
                "code": "KULT", "title": "Kulturkompetanse", "network_id": NETWORK, "language": "nb",
                "requires_manager_approval": False, "gathering_plan": [{"kind": "kickoff", "days": 1}]})).json()
            now = datetime.now(UTC)
            cohort = (await enrollment.post("/cohorts", json={
                "programme_id": programme["id"], "term": "spring-2027", "capacity": 10,
                "applications_open_at": (now - timedelta(days=1)).isoformat(),
                "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()
            applied = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json={
                "participant": {"name": name, "email": email, "phone": phone, "role": "sykepleier",
                                "experience": f"{name} har ledet forbedringsarbeid"},
                "manager": {"name": f"Leder {suffix}", "email": f"leder.{suffix}@example.no"},
                "organisation_id": "org-privacy", "unit_id": "unit-7",
                "motivation": f"Jeg, {name}, vil lære mer ({phone}, {email})."})
            assert applied.status_code == 201, applied.text
            person_id, manager_id = applied.json()["participant_id"], applied.json()["manager_id"]
            other = (await enrollment.post("/programmes", json={
                "code": "DST", "title": "Der skoen trykker", "network_id": NETWORK})).json()
            interest = await enrollment.post(f"/programmes/{other['id']}/interest", json={
                "person": {"name": name, "email": email, "phone": phone}})
            assert interest.status_code == 201, interest.text
            assert interest.json()["person_id"] == person_id

            # Sessions: on the roster, present at a held kickoff, so the cohort is completed.
            async def on_roster():
                members = (await sessions.get(f"/cohorts/{cohort['id']}/roster")).json().get("members", [])
                return [m for m in members if m["participant_id"] == person_id]
            await wait_until(on_roster, timeout=180)
            day = (now - timedelta(days=2)).date().isoformat()

            async def session_created():
                made = await sessions.post(f"/cohorts/{cohort['id']}/sessions", json={
                    "kind": "kickoff", "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T15:00:00"})
                return made.json() if made.status_code == 201 else None
            session = await wait_until(session_created, timeout=180)
            ticked = await sessions.put(f"/sessions/{session['id']}/attendance", json={
                "records": [{"participant_id": person_id, "status": "present"}], "recorded_by": person_id})
            assert ticked.status_code == 200, ticked.text
            held = await sessions.post(f"/sessions/{session['id']}/held", json={})
            assert held.status_code == 200, held.text
            assert held.json()["attendance"] == {"present": 1, "absent": 0, "excused": 0, "partial": 0}

            async def completed():
                done = (await sessions.get(f"/cohorts/{cohort['id']}/completions")).json()
                return done if done.get("completed") else None
            await wait_until(completed, timeout=180)

            # Measures: the person facilitates a measure and owns it as union representative.
            measure = await measures.post("/measures", json={
                "network_id": NETWORK, "organisation_id": "org-privacy", "unit_ids": ["unit-7"],
                "title": "Heltidskultur i avdeling 7", "area": "full_time_culture", "goal": "Flere hele stillinger",
                "cohort_id": cohort["id"], "programme_id": programme["id"], "facilitator_id": person_id,
                "owners": [{"role": "union_representative", "person_id": person_id},
                           {"role": "leader", "person_id": manager_id}]})
            assert measure.status_code == 201, measure.text
            measure_id = measure.json()["id"]
            # The representative agrees in their own name, with their own token.
            representative = dev_issuer.mint(person_id, roles=["union_representative"],
                                             organisations=["org-privacy"], person_id=person_id)
            agreed = await measures.post(f"/measures/{measure_id}/consents", json={},
                                         headers={"Authorization": f"Bearer {representative}"})
            assert agreed.status_code == 200, agreed.text

            # A second application, made once notifications' consumer group has long settled: its
            # consumers start at the end of the log, so a rebalance at start may skip the first one's mail.
            later = (await enrollment.post("/cohorts", json={
                "programme_id": programme["id"], "term": "autumn-2027", "capacity": 10,
                "applications_open_at": (now - timedelta(days=1)).isoformat(),
                "applications_close_at": (now + timedelta(days=60)).isoformat()})).json()
            second = await enrollment.post(f"/cohorts/{later['id']}/applications", json={
                "participant": {"name": name, "email": email, "phone": phone},
                "manager": {"name": f"Leder {suffix}", "email": f"leder.{suffix}@example.no"},
                "organisation_id": "org-privacy", "unit_id": "unit-7"})
            assert second.status_code == 201 and second.json()["participant_id"] == person_id, second.text
            second_at = datetime.fromisoformat(second.json()["submitted_at"])

            # Notifications: mail sent to the address enrollment has, and preferences of the person's own.
            async def mailed():
                # The seat mail of the second application: its application mail, earlier on the same
                # partition (both are keyed by the cohort), was handled before it.
                log = (await notifications.get("/notifications", params={"recipient_id": person_id})).json()
                return [e for e in log if e["status"] == "sent" and e["email"] == email and e["kind"] == "enrolled"
                        and datetime.fromisoformat(e["created_at"]) > second_at]
            await wait_until(mailed, timeout=180)
            preferred = await notifications.put(f"/preferences/{person_id}", json={"language": "nb", "email": email})
            assert preferred.status_code == 200, preferred.text

            # Access request: each service serves its part.
            parts = {service: (await client.get(f"/people/{person_id}/data")).json()
                     for service, client in (("enrollment", enrollment), ("sessions", sessions),
                                             ("measures", measures), ("notifications", notifications))}
            assert parts["enrollment"]["contact"]["name"] == name
            assert parts["enrollment"]["contact"]["phone"] == phone
            assert [a["motivation"] for a in parts["enrollment"]["applications"]] == [
                f"Jeg, {name}, vil lære mer ({phone}, {email}).", None]
            assert [i["programme_id"] for i in parts["enrollment"]["interest_registrations"]] == [other["id"]]
            assert cohort["id"] in {r["cohort_id"] for r in parts["sessions"]["roster"]}  # the later one may follow
            assert [(a["session_id"], a["status"]) for a in parts["sessions"]["attendance"]] == [
                (session["id"], "present")]
            assert [c["cohort_id"] for c in parts["sessions"]["completions"]] == [cohort["id"]]
            assert [m["_id"] for m in parts["measures"]["measures"]] == [measure_id]
            assert {d["email"] for d in parts["notifications"]["deliveries"]} == {email}
            assert parts["notifications"]["preferences"]["email"] == email
            # Before the erasure the search does find the person: it is able to.
            assert await database_hits(configs["notifications"]["mongo_database"], needles)

            # The erasure: 202, and asking again gives the same record.
            erased = await enrollment.post(f"/people/{person_id}/erasure", json={"by": "platform-admin-1"})
            assert erased.status_code == 202, erased.text
            again = await enrollment.post(f"/people/{person_id}/erasure", json={"by": "platform-admin-1"})
            assert again.status_code == 202 and again.json()["erasure_id"] == erased.json()["erasure_id"]
            assert erased.json()["networks"] == [NETWORK] and erased.json()["completed_at"] is not None
            assert (await enrollment.get(f"/people/{person_id}/contact")).status_code == 404

            remaining: dict[str, Any] = {}

            async def erased_everywhere():
                left = remaining
                left |= {service: (await client.get(f"/people/{person_id}/data")).json()
                        for service, client in (("sessions", sessions), ("measures", measures),
                                                ("notifications", notifications))}
                return (not any(left["sessions"][k] for k in ("roster", "attendance", "completions"))
                        and not left["measures"]["measures"]
                        # A mail event read only after the erasure finds no contact at enrollment: it is
                        # logged as no_contact under the bare id, without an address.
                        and all(d["email"] is None and d["status"] == "no_contact"
                                for d in left["notifications"]["deliveries"])
                        and not any(left["notifications"][k] for k in ("reminders", "roster",
                                                                        "applications", "interests"))
                        and left["notifications"]["preferences"] is None)
            try:
                await wait_until(erased_everywhere, timeout=180)
            except AssertionError as exc:
                raise AssertionError(f"still held after the erasure: {remaining}") from exc

            # Counts survive without identity.
            alias = f"erased:{erased.json()['erasure_id']}"
            attendance = (await sessions.get(f"/sessions/{session['id']}/attendance")).json()
            assert attendance["counts"] == {"present": 1, "absent": 0, "excused": 0, "partial": 0}
            assert [r["participant_id"] for r in attendance["records"]] == [alias]
            assert [c["participant_id"] for c in (await sessions.get(
                f"/cohorts/{cohort['id']}/completions")).json()["completed"]] == [alias]
            kept = (await measures.get(f"/measures/{measure_id}")).json()
            assert kept["facilitator_id"] == alias
            assert {o["role"]: o["person_id"] for o in kept["owners"]}["union_representative"] == alias
            statistics = (await notifications.get("/notifications", params={"recipient_id": alias})).json()
            assert statistics and all(d["status"] == "sent" and d["email"] is None for d in statistics)
            left_here = (await enrollment.get(f"/people/{person_id}/data")).json()
            assert left_here["contact"] is None and left_here["interest_registrations"] == []
            assert [(a["motivation"], a["experience"]) for a in left_here["applications"]] == [(None, None)] * 2

            for config in configs.values():
                assert await database_hits(config["mongo_database"], needles) == [], config["mongo_database"]
    read, hits = await kafka_hits(needles)
    assert read > 0 and hits == []
    for config in configs.values():
        mongo = AsyncMongoClient(MONGO)
        await mongo.drop_database(config["mongo_database"])
        await mongo.close()
