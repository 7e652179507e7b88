"""Chaos soak: load on all four services while they, the broker and the database are killed and paused.

    python infra/soak/soak.py --minutes 1        # `make soak-short`
    python infra/soak/soak.py --minutes 10       # `make soak`

Runs on a stack of its own (state in /tmp/samla-soak, Kafka 19292, FerretDB 27029, SMTP
1029, the services and a development issuer on free ports), so the shared stack on the
default ports is never touched. It reuses the Kafka jars and FerretDB binary of the main
stack (.stack/) when they are there.

Enrollment runs as two instances behind one address (a round-robin front, as a Kubernetes
Service): they elect one writer with a lease and the other forwards writes to it
(docs/scale-out.md); the others run one instance each.

Load: people apply to a few small cohorts (some of them needing their leader's approval,
which a leader gives) and some withdraw again; a coordinator takes attendance at each
cohort's gathering; a unit's measures are followed up. Faults, at random every few seconds:
a service process SIGKILLed (and started again) or SIGSTOPped for a few seconds, the broker
or the database SIGKILLed (and started again) or SIGSTOPped for a few seconds. Afterwards,
with every process running again and the work drained, the gatherings are marked held and
it checks:

- no cohort is oversold (enrolled applications ≤ capacity);
- every application the API accepted (201) exists, and every withdrawal and approval it
  accepted holds;
- every attendance mark it accepted is the one the gathering keeps, and each gathering was
  announced held once, with those counts;
- every follow-up it accepted is on its measure, and each is announced once (MeasureFollowedUp);
- the events on Kafka (all three topics): every one once after dropping redeliveries by
  ce_id, and in each cohort's own order (cohort_sequence never goes back);
- sessions' roster: every enrolled person is on it exactly once, enrolled; no one else is;
- notifications: every enrolment (ParticipantEnrolled) got exactly one confirmation mail,
  and no mail was delivered twice (one Message-ID, one delivery);
- the dead-letter topics are empty.

Prints the figures (operations, faults, violations) and writes them to
/tmp/samla-soak/result.json; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from samla_shared.clock import local_today

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra/local"))
from tcp_relay import TcpRelay  # noqa: E402
# Where the Kafka jars and the FerretDB binary were built (the main stack's state).
MAIN_STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
STATE = Path(os.environ.get("SAMLA_SOAK_DIR", "/tmp/samla-soak"))
KAFKA_PORT = int(os.environ.get("SAMLA_SOAK_KAFKA_PORT", "19292"))
MONGO_PORT = int(os.environ.get("SAMLA_SOAK_MONGO_PORT", "27029"))
SMTP_PORT = int(os.environ.get("SAMLA_SOAK_SMTP_PORT", "1029"))
KAFKA = f"127.0.0.1:{KAFKA_PORT}"
MONGO = f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true"
SERVICES = ("enrollment", "sessions", "measures", "notifications")
# Enrollment's two instances elect their writer with a lease this long: shorter than the
# longest pause the chaos gives (5 s), so a paused writer is sometimes deposed.
WRITER_LEASE_SECONDS = 3
TOPICS = ("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")
# Confirmation mails: one per ParticipantEnrolled (X-Samla-Notification header of the mail).
CONFIRMATIONS = {"enrolled", "promoted"}
COHORTS = 6
APPROVAL_COHORTS = 2  # of a programme that needs the leader's approval
CAPACITY = 8
MEASURES = 3
NETWORK, ORGANISATION, UNIT = "net-soak", "org-soak", "unit-soak"
# The three parties who agree to a measure, each with their own token.
PARTIES = {"organisation_leader": "soak-leader", "union_representative": "soak-union",
           "safety_representative": "soak-safety"}


def stack_env() -> dict[str, str]:
    # The soak's own throwaway broker, plaintext like the tests' (docs/security.md): its services
    # and checks connect without credentials, and it never sees the platform's records.
    env = {**os.environ, "SAMLA_STACK_DIR": str(STATE), "SAMLA_KAFKA_PORT": str(KAFKA_PORT),
           "SAMLA_MONGO_PORT": str(MONGO_PORT), "SAMLA_SMTP_PORT": str(SMTP_PORT), "SAMLA_KAFKA_SASL": "0"}
    if (MAIN_STATE / "kafka-lib/.resolved").exists():
        env.setdefault("SAMLA_KAFKA_LIB", str(MAIN_STATE / "kafka-lib"))
    if (MAIN_STATE / "bin/ferretdb").exists():
        env.setdefault("SAMLA_FERRETDB_BIN", str(MAIN_STATE / "bin/ferretdb"))
    return env


def stack(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), *args], env=stack_env(), check=True,
                   stdout=sys.stderr)


def infra_pid(name: str) -> int:
    return int((STATE / "run" / f"{name}.pid").read_text().strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    """A service (or the issuer) as a process of its own, so it can be killed and paused."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (STATE / "logs").joinpath(f"soak-{self.name}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            if sig == signal.SIGKILL:
                self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def ready(self, path: str = "/health/ready", timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}{path}", timeout=3)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout}s")


def service_process(name: str, run: str, issuer: str, enrollment_port: int, instance: int | None = None) -> Process:
    """One process of a service; `instance` (1, 2) for a service run as several, electing a writer."""
    port = free_port()
    prefix = f"{name.upper()}_"
    settings = {"environment": "test", "otlp_endpoint": "", "kafka_bootstrap_servers": KAFKA, "mongo_url": MONGO,
                "mongo_database": f"soak_{name}_{run}", "consumer_group": f"soak-{name}-{run}",
                "auth_issuer": issuer, "auth_jwks_url": f"{issuer}/jwks.json",
                "enrollment_url": f"http://127.0.0.1:{enrollment_port}"}
    if instance is not None:
        settings |= {"writer_lease_seconds": str(WRITER_LEASE_SECONDS), "instance_url": f"http://127.0.0.1:{port}"}
    if name == "notifications":
        # A delivery claimed by a killed instance is sent again after this long (same Message-ID).
        settings |= {"smtp_host": "127.0.0.1", "smtp_port": str(SMTP_PORT), "send_lease_seconds": "5"}
    env = {**os.environ, **{prefix + k.upper(): v for k, v in settings.items()}}
    command = [sys.executable, "-m", "uvicorn", f"samla_{name}.entrypoints.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return Process(name if instance is None else f"{name}-{instance}", command, env, port)


@dataclass
class Figures:
    applications: int = 0
    withdrawals: int = 0
    approvals: int = 0
    attendance_marks: int = 0
    follow_ups: int = 0
    refused: int = 0  # requests that failed while a process was down: the caller would retry
    faults: Counter = field(default_factory=Counter)
    checked: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)


# -- load ---------------------------------------------------------------------------------

async def open_cohorts(client: httpx.AsyncClient, count: int, *, approval: bool) -> list[str]:
    programme = await client.post("/programmes", json={
        "code": "SOAKA" if approval else "SOAK", "title": "Soak", "network_id": NETWORK, "language": "nb",
        "requires_manager_approval": approval,
        "gathering_plan": [{"kind": "kickoff", "days": 1}]})
    programme.raise_for_status()
    now = datetime.now(UTC)
    cohorts = []
    for i in range(count):
        cohort = await client.post("/cohorts", json={
            "programme_id": programme.json()["id"], "term": f"soak-{'a' if approval else ''}{i}",
            "capacity": CAPACITY, "applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat()})
        cohort.raise_for_status()
        cohorts.append(cohort.json()["id"])
    return cohorts


async def until_created(client: httpx.AsyncClient, path: str, body: dict[str, Any], timeout: float = 120) -> dict:
    """POST until 201: what it names may not have reached this service's read model yet."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await client.post(path, json=body, timeout=10)
        if answer.status_code == 201:
            return answer.json()
        if time.monotonic() > deadline:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:300]}")
        await asyncio.sleep(0.5)


async def schedule_gatherings(sessions: httpx.AsyncClient, cohorts: list[str]) -> dict[str, str]:
    """One kickoff for each cohort, two days ago (so it can be marked held at the end): session id -> cohort."""
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    gatherings = {}
    for cohort_id in cohorts:
        made = await until_created(sessions, f"/cohorts/{cohort_id}/sessions", {
            "kind": "kickoff", "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T15:00:00"})
        gatherings[made["id"]] = cohort_id
    return gatherings


async def adopt_measures(measures: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, str]:
    """Measures of the soak's unit, agreed by its three parties (each with their own token) and adopted:
    measure id -> its indicator's id."""
    today = local_today().isoformat()
    adopted = {}
    for i in range(MEASURES):
        measure = await until_created(measures, "/measures", {
            "network_id": NETWORK, "organisation_id": ORGANISATION, "unit_ids": [UNIT],
            "title": f"Tidlig og tett på {i}", "area": "sick_leave_follow_up", "goal": "Lavere sykefravær",
            "indicators": [{"kind": "sick_leave_percent", "baseline": 9.5, "baseline_date": today, "target": 7.0}]})
        for token in tokens.values():
            agreed = await measures.post(f"/measures/{measure['id']}/consents", json={},
                                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
            agreed.raise_for_status()
        (await measures.post(f"/measures/{measure['id']}/adoption", json={"adopted_on": today},
                             timeout=10)).raise_for_status()
        adopted[measure["id"]] = measure["indicators"][0]["id"]
    return adopted


async def load(client: httpx.AsyncClient, cohorts: list[str], until: float, figures: Figures,
               accepted: dict[str, str], withdrawn: set[str], emails: dict[str, str], rng: random.Random) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        try:
            if accepted and rng.random() < 0.2:
                application_id = rng.choice(sorted(set(accepted) - withdrawn) or sorted(accepted))
                answer = await client.post(f"/applications/{application_id}/withdrawal", json={"reason": "soak"},
                                           timeout=10)
                if answer.status_code == 200:
                    withdrawn.add(application_id)
                    figures.withdrawals += 1
                elif answer.status_code != 409:
                    figures.refused += 1
            else:
                person = uuid.uuid4().hex[:10]
                answer = await client.post(f"/cohorts/{rng.choice(cohorts)}/applications", timeout=10, json={
                    "participant": {"name": f"Soak {person}", "email": f"{person}@soak.example"},
                    "manager": {"name": "Leder", "email": "leder@soak.example"},
                    "organisation_id": "org-soak", "unit_id": "unit-soak"})
                if answer.status_code == 201:
                    accepted[answer.json()["id"]] = answer.json()["cohort_id"]
                    emails[answer.json()["participant_id"]] = f"{person}@soak.example"
                    figures.applications += 1
                else:
                    figures.refused += 1
        except httpx.HTTPError:
            figures.refused += 1
            await asyncio.sleep(0.2)
        await asyncio.sleep(rng.uniform(0.02, 0.1))


async def approve(client: httpx.AsyncClient, approval_cohorts: list[str], until: float, figures: Figures,
                  accepted: dict[str, str], withdrawn: set[str], approved: set[str], rng: random.Random) -> None:
    """A leader approves applications waiting in the cohorts that need approval (as an admin may)."""
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.1, 0.4))
        waiting = sorted(a for a, c in accepted.items() if c in approval_cohorts and a not in approved | withdrawn)
        if not waiting:
            continue
        application_id = rng.choice(waiting)
        try:
            answer = await client.post(f"/applications/{application_id}/approval", json={"decision": "approve"},
                                       timeout=10)
        except httpx.HTTPError:
            figures.refused += 1
            continue
        if answer.status_code == 200:
            approved.add(application_id)
            figures.approvals += 1
        elif answer.status_code != 409:  # withdrawn meanwhile, or decided by an answer that was lost
            figures.refused += 1


async def take_attendance(sessions: httpx.AsyncClient, gatherings: dict[str, str], until: float, figures: Figures,
                          marks: dict[tuple[str, str], str], rng: random.Random) -> None:
    """A coordinator ticks people present, absent or excused, changing their mind now and then.

    One writer, and a mark whose answer was lost is sent again until it is answered: so the
    last mark sent for each person is the one the gathering must keep."""
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.1, 0.4))
        session_id = rng.choice(sorted(gatherings))
        try:
            roster = await sessions.get(f"/cohorts/{gatherings[session_id]}/roster", timeout=10)
        except httpx.HTTPError:
            figures.refused += 1
            continue
        members = [m["participant_id"] for m in roster.json().get("members", [])] if roster.status_code == 200 else []
        if not members:
            continue
        person, mark = rng.choice(members), rng.choice(["present", "absent", "excused"])
        while True:
            try:
                answer = await sessions.put(f"/sessions/{session_id}/attendance", timeout=10,
                                            json={"records": [{"participant_id": person, "status": mark}]})
                if answer.status_code == 200:
                    marks[(session_id, person)] = mark
                    figures.attendance_marks += 1
                    break
                if answer.status_code < 500:
                    raise RuntimeError(f"attendance refused: {answer.status_code} {answer.text[:300]}")
            except httpx.HTTPError:
                pass
            figures.refused += 1
            await asyncio.sleep(0.5)


async def follow_up(measures: httpx.AsyncClient, indicators: dict[str, str], until: float, figures: Figures,
                    followed: Counter, rng: random.Random) -> None:
    """The unit's parties follow their measures up, again and again, with a sick-leave reading each time."""
    today = local_today().isoformat()
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.1, 0.4))
        measure_id = rng.choice(sorted(indicators))
        try:
            answer = await measures.post(f"/measures/{measure_id}/follow-ups", timeout=10, json={
                "held_on": today, "in_practice": rng.random() < 0.7,
                "readings": [{"indicator_id": indicators[measure_id], "value": round(rng.uniform(6, 10), 1)}]})
        except httpx.HTTPError:
            figures.refused += 1
            continue
        if answer.status_code == 201:
            followed[measure_id] += 1
            figures.follow_ups += 1
        else:
            figures.refused += 1


async def chaos(processes: dict[str, Process], until: float, figures: Figures, rng: random.Random) -> None:
    while time.monotonic() < until - 5:
        await asyncio.sleep(rng.uniform(2, 6))
        for name, process in processes.items():
            # As Kubernetes would: a process that stopped (a writer that found itself deposed
            # after a pause longer than its lease stops itself) is started again.
            if not process.alive():
                figures.faults[f"restarted after exiting {name}"] += 1
                process.start()
        target = rng.choice([*processes, "kafka", "ferretdb"])
        if target in processes and rng.random() < 0.5:
            processes[target].signal(signal.SIGKILL)
            figures.faults[f"SIGKILL {target}"] += 1
            processes[target].start()
            continue
        if target not in processes and rng.random() < 0.5:
            # The broker or the database killed outright, then started again (the stack waits until it answers).
            os.kill(infra_pid(target), signal.SIGKILL)
            figures.faults[f"SIGKILL {target}"] += 1
            await asyncio.sleep(rng.uniform(0.5, 2))
            await asyncio.to_thread(stack, "start", target)
            continue
        pid = processes[target].process.pid if target in processes else infra_pid(target)
        os.kill(pid, signal.SIGSTOP)
        figures.faults[f"SIGSTOP {target}"] += 1
        try:
            await asyncio.sleep(rng.uniform(1, 5))
        finally:
            os.kill(pid, signal.SIGCONT)


# -- checks -------------------------------------------------------------------------------

async def drained(mongo: Any, run: str, bootstrap: str, groups: list[str]) -> bool:
    from samla_ops.kafka import consumer_lag

    for service in ("enrollment", "sessions", "measures"):  # every outbox empty
        db = mongo[f"soak_{service}_{run}"]
        for collection in await db.list_collection_names():
            if await db[collection].count_documents({"outbox_pending": {"$gt": 0}}):
                return False
    db_notifications = mongo[f"soak_notifications_{run}"]
    # A mail whose send was interrupted is claimed ("sending" or "retrying") until it goes out again.
    if await db_notifications.deliveries.count_documents({"status": {"$in": ["sending", "retrying"]}}):
        return False
    return all(row.lag == 0 for row in await consumer_lag(bootstrap, groups))


@dataclass
class Accepted:
    """What the API answered as done (2xx), to hold afterwards."""

    applications: dict[str, str] = field(default_factory=dict)  # application id -> cohort id
    withdrawn: set[str] = field(default_factory=set)
    approved: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)  # participant id -> address
    marks: dict[tuple[str, str], str] = field(default_factory=dict)  # (session, participant) -> last mark
    follow_ups: Counter = field(default_factory=Counter)  # measure id -> follow-ups answered 201


async def check(client: httpx.AsyncClient, sessions_api: httpx.AsyncClient, measures_api: httpx.AsyncClient, run: str,
                cohorts: list[str], gatherings: dict[str, str], done: Accepted, figures: Figures) -> None:
    accepted, withdrawn, emails = done.applications, done.withdrawn, done.emails
    from aiokafka import AIOKafkaConsumer
    from pymongo import AsyncMongoClient

    mongo: AsyncMongoClient = AsyncMongoClient(MONGO, tz_aware=True)
    sessions = mongo[f"soak_sessions_{run}"]
    violations = figures.violations
    # The status the applicant sees (an approved application shows its seat or queue place).
    applications: dict[str, dict[str, Any]] = {}
    for cohort_id in cohorts:
        offset = 0
        while True:
            listed = await client.get(f"/cohorts/{cohort_id}/applications", params={"limit": 100, "offset": offset},
                                      timeout=30)
            listed.raise_for_status()
            applications |= {a["id"]: a for a in listed.json()}
            if len(listed.json()) < 100:
                break
            offset += 100
    for application_id in accepted:
        if application_id not in applications:
            violations.append(f"accepted application {application_id} is missing")
    for application_id in withdrawn:
        if applications.get(application_id, {}).get("status") != "withdrawn":
            violations.append(f"accepted withdrawal of {application_id} does not hold")
    for application_id in done.approved:
        if applications.get(application_id, {}).get("status") in ("submitted", "awaiting_manager_approval"):
            violations.append(f"accepted approval of {application_id} does not hold")
    enrolled = {a_id for a_id, a in applications.items() if a.get("status") == "enrolled"}
    per_cohort = Counter(applications[a]["cohort_id"] for a in enrolled)
    for cohort_id, count in per_cohort.items():
        if count > CAPACITY:
            violations.append(f"cohort {cohort_id} oversold: {count} enrolled, capacity {CAPACITY}")

    roster = [r async for r in sessions.roster.find({"cohort_id": {"$in": cohorts}})]
    on_roster = Counter(r["application_id"] for r in roster if r.get("status") == "enrolled")
    for application_id in enrolled:
        if on_roster[application_id] != 1:
            violations.append(f"enrolled {application_id} is on the roster {on_roster[application_id]} times")
    for application_id in set(on_roster) - enrolled:
        violations.append(f"{application_id} is on the roster as enrolled but is not enrolled")
    held_counts = await check_attendance(sessions_api, gatherings, done.marks, figures)
    recorded = await check_follow_ups(measures_api, done.follow_ups, figures)
    figures.checked |= {"cohorts": len(cohorts), "applications": len(applications), "enrolled": len(enrolled),
                        "waitlisted": sum(a.get("status") == "waitlisted" for a in applications.values()),
                        "withdrawn": sum(a.get("status") == "withdrawn" for a in applications.values()),
                        "roster entries": len(roster)}

    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    from samla_shared.messaging.kafka_admin import topic_partitions

    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        partitions = [tp for topic in TOPICS for tp in await topic_partitions(admin, topic)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        seen: dict[str, bytes] = {}
        sequences: dict[str, int] = defaultdict(int)
        events = redelivered = 0
        enrolments: Counter = Counter()
        announced_follow_ups: Counter = Counter()  # measure id -> MeasureFollowedUp events
        announced_held: dict[str, dict[str, int]] = {}  # session id -> the counts SessionHeld carried
        held_events: Counter = Counter()
        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in partitions])

        while await behind():
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    headers = dict(record.headers)
                    ce_id = headers["ce_id"].decode()
                    if ce_id in seen:
                        redelivered += 1
                        if seen[ce_id] != record.value:
                            violations.append(f"event {ce_id} published twice with different contents")
                        continue
                    seen[ce_id] = record.value
                    events += 1
                    data = json.loads(record.value)
                    if headers["ce_type"] == b"ParticipantEnrolled":
                        enrolments[data["participant_id"]] += 1
                    elif headers["ce_type"] == b"MeasureFollowedUp":
                        announced_follow_ups[data["measure_id"]] += 1
                    elif headers["ce_type"] == b"SessionHeld":
                        held_events[data["session_id"]] += 1
                        announced_held[data["session_id"]] = data["attendance"]
                    sequence = data.get("cohort_sequence")
                    cohort_id = record.key.decode()
                    if sequence is not None:
                        if sequence < sequences[cohort_id]:
                            violations.append(f"cohort {cohort_id}: sequence {sequence} after {sequences[cohort_id]}")
                        sequences[cohort_id] = max(sequences[cohort_id], sequence)
        figures.checked["events (distinct ce_id)"] = events
        figures.checked["redelivered records"] = redelivered
        for measure_id, count in recorded.items():
            if announced_follow_ups[measure_id] != count:
                violations.append(f"measure {measure_id}: {count} follow-ups, {announced_follow_ups[measure_id]} "
                                  "MeasureFollowedUp events")
        for session_id, counts in held_counts.items():
            if held_events[session_id] != 1 or announced_held.get(session_id) != counts:
                violations.append(f"session {session_id}: held announced {held_events[session_id]} times with "
                                  f"{announced_held.get(session_id)}, attendance {counts}")
        dead = [TopicPartition(f"{t}.dlq", 0) for t in TOPICS]
        for tp, end in (await consumer.end_offsets(dead)).items():
            if end:
                violations.append(f"dead-letter topic {tp.topic} holds {end} records")
    finally:
        await consumer.stop()
        await mongo.close()
    check_mails(enrolments, emails, figures)


async def check_attendance(sessions: httpx.AsyncClient, gatherings: dict[str, str],
                           marks: dict[tuple[str, str], str], figures: Figures) -> dict[str, dict[str, int]]:
    """Each gathering keeps the last mark given to each person; returns its counts, as held."""
    counts = {}
    for session_id in gatherings:
        kept = (await sessions.get(f"/sessions/{session_id}/attendance", timeout=30)).json()
        by_person = {r["participant_id"]: r["status"] for r in kept["records"]}
        for (marked_session, person), mark in marks.items():
            if marked_session == session_id and by_person.get(person) != mark:
                figures.violations.append(f"session {session_id}: {person} marked {mark}, kept {by_person.get(person)}")
        counts[session_id] = kept["counts"]
    figures.checked["attendance marks kept"] = len(marks)
    return counts


async def check_follow_ups(measures: httpx.AsyncClient, followed: Counter, figures: Figures) -> dict[str, int]:
    """Every follow-up answered 201 is on its measure; returns how many each measure holds."""
    held = {}
    for measure_id, count in followed.items():
        found = await measures.get(f"/measures/{measure_id}/follow-ups", timeout=30)
        found.raise_for_status()
        held[measure_id] = len(found.json())
        # More than accepted is the lost answer of a write that landed; fewer is a loss.
        if held[measure_id] < count:
            figures.violations.append(f"measure {measure_id}: {count} follow-ups accepted, {held[measure_id]} kept")
    figures.checked["follow-ups kept"] = sum(held.values())
    return held


def check_mails(enrolments: Counter, emails: dict[str, str], figures: Figures) -> None:
    from email import message_from_bytes
    from email.utils import parseaddr

    deliveries: Counter = Counter()
    confirmations: Counter = Counter()
    for path in (STATE / "mail").glob("*.eml"):
        mail = message_from_bytes(path.read_bytes())
        deliveries[mail["Message-ID"]] += 1
        if mail["X-Samla-Notification"] in CONFIRMATIONS and deliveries[mail["Message-ID"]] == 1:
            confirmations[parseaddr(mail["To"])[1]] += 1
    for message_id, count in deliveries.items():
        if count > 1:
            figures.violations.append(f"mail {message_id} delivered {count} times")
    for participant_id, count in enrolments.items():
        address = emails.get(participant_id)
        if address is not None and confirmations[address] != count:
            figures.violations.append(f"{address}: {confirmations[address]} confirmation mails for {count} enrolments")
    figures.checked |= {"mails": sum(deliveries.values()), "confirmation mails": sum(confirmations.values())}


# -- the run ------------------------------------------------------------------------------

async def soak(minutes: float, seed: int) -> Figures:
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    figures = Figures()
    # Each run starts from an empty broker and database, so the checks see this run's work only.
    stack("down")
    for leftover in (STATE / f"kafka-{KAFKA_PORT}", STATE / "ferretdb", STATE / "mail"):
        shutil.rmtree(leftover, ignore_errors=True)
    stack("up")
    issuer_port = free_port()
    issuer_url = f"http://127.0.0.1:{issuer_port}/dev-issuer"
    issuer = Process("dev-issuer", [sys.executable, str(ROOT / "infra/local/dev_issuer.py"), "--port", str(issuer_port),
                                    "--state", str(STATE / "dev-issuer"), "--issuer", issuer_url],
                     {**os.environ, "SAMLA_ENVIRONMENT": "development"}, issuer_port)
    enrollment_port = free_port()
    # Enrollment runs as two instances behind one address (the cohort writer's rush is where
    # two writers would oversell); the others as one each.
    enrollment = [service_process("enrollment", run, issuer_url, enrollment_port, instance=n) for n in (1, 2)]
    processes = {p.name: p for p in [*enrollment, *(service_process(name, run, issuer_url, enrollment_port)
                                                    for name in SERVICES if name != "enrollment")]}
    # One address in front of enrollment's instances, as a Kubernetes Service is.
    front = TcpRelay(enrollment_port, [("127.0.0.1", p.port) for p in enrollment])
    try:
        issuer.start()
        await issuer.ready(path="/dev-issuer/jwks.json")
        async with httpx.AsyncClient() as plain:
            # The services refuse tokens living longer than an hour; a soak longer than that
            # would mint a new one.
            async def mint(subject: str, role: str, **scope: Any) -> str:
                minted = await plain.post(f"{issuer_url}/tokens", json={
                    "subject": subject, "roles": [role], "expires_in": 3600, **scope})
                minted.raise_for_status()
                return minted.json()["access_token"]

            token = await mint("soak-admin", "platform_admin")
            parties = {role: await mint(person, role, person_id=person, networks=[NETWORK],
                                        organisations=[ORGANISATION], units=[UNIT])
                       for role, person in PARTIES.items()}
        await front.start()
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.ready()
        done = Accepted()

        def api(name: str) -> httpx.AsyncClient:
            port = enrollment_port if name == "enrollment" else processes[name].port
            return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"})

        async with api("enrollment") as client, api("sessions") as sessions_api, api("measures") as measures_api:
            cohorts = await open_cohorts(client, COHORTS, approval=False)
            approval_cohorts = await open_cohorts(client, APPROVAL_COHORTS, approval=True)
            gatherings = await schedule_gatherings(sessions_api, cohorts)
            indicators = await adopt_measures(measures_api, parties)
            until = time.monotonic() + minutes * 60
            await asyncio.gather(*(load(client, cohorts + approval_cohorts, until, figures, done.applications,
                                        done.withdrawn, done.emails, rng) for _ in range(4)),
                                 approve(client, approval_cohorts, until, figures, done.applications, done.withdrawn,
                                         done.approved, rng),
                                 take_attendance(sessions_api, gatherings, until, figures, done.marks, rng),
                                 follow_up(measures_api, indicators, until, figures, done.follow_ups, rng),
                                 chaos(processes, until, figures, rng))
            # Everything runs again; wait until the outboxes are empty and the consumers have read it all.
            for process in processes.values():
                process.signal(signal.SIGCONT)
                if not process.alive():
                    process.start()
            for process in processes.values():
                await process.ready()
            await settle(run, figures)
            # The gatherings are over: each marked held once, which announces its counts.
            for session_id in gatherings:
                held = await sessions_api.post(f"/sessions/{session_id}/held", json={}, timeout=30)
                if held.status_code != 200:
                    figures.violations.append(f"session {session_id} could not be marked held: {held.text[:200]}")
            await settle(run, figures)
            await check(client, sessions_api, measures_api, run, cohorts + approval_cohorts, gatherings, done,
                        figures)
    finally:
        for process in [*processes.values(), issuer]:
            process.signal(signal.SIGCONT)
            process.signal(signal.SIGTERM)
        await front.stop()
        stack("down")
    return figures


async def settle(run: str, figures: Figures) -> None:
    """Wait until every outbox is empty, the consumers have no lag and no mail is being sent."""
    from pymongo import AsyncMongoClient

    mongo: AsyncMongoClient = AsyncMongoClient(MONGO)
    deadline = time.monotonic() + 300
    try:
        while not await drained(mongo, run, KAFKA, [f"soak-{name}-{run}" for name in SERVICES if name != "enrollment"]):
            if time.monotonic() > deadline:
                figures.violations.append("work did not drain within 300 s")
                return
            await asyncio.sleep(1)
    finally:
        await mongo.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    started = time.monotonic()
    figures = asyncio.run(soak(args.minutes, args.seed))
    result = {"minutes": args.minutes, "seed": args.seed, "applications": figures.applications,
              "withdrawals": figures.withdrawals, "approvals": figures.approvals,
              "attendance_marks": figures.attendance_marks, "follow_ups": figures.follow_ups,
              "refused_during_faults": figures.refused,
              "faults": dict(figures.faults), "checked": figures.checked, "violations": figures.violations,
              "wall_seconds": round(time.monotonic() - started)}
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 1 if figures.violations else 0


if __name__ == "__main__":
    sys.exit(main())
