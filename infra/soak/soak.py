"""Chaos soak: steady load on enrollment, sessions and notifications while processes are SIGKILLed and SIGSTOPped.

    python infra/soak/soak.py --minutes 1        # `make soak-short`
    python infra/soak/soak.py --minutes 10       # `make soak`

Runs on a stack of its own (state in /tmp/samla-soak, Kafka 19292, FerretDB 27029, SMTP
1029, the services and a development issuer on free ports), so the shared stack on the
default ports is never touched. It reuses the Kafka jars and FerretDB binary of the main
stack (.stack/) when they are there.

Load: people apply to a few small cohorts and some withdraw again. Faults, at random every
few seconds: a service process SIGKILLed (and started again) or SIGSTOPped for a few
seconds, the broker or the database SIGSTOPped for a few seconds. Afterwards, with every
process running again and the work drained, it checks:

- no cohort is oversold (enrolled applications ≤ capacity);
- every application the API accepted (201) exists, and every withdrawal it accepted holds;
- each cohort's events on Kafka: every one once after dropping redeliveries by ce_id, and
  in the cohort's own order (cohort_sequence never goes back);
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

ROOT = Path(__file__).resolve().parents[2]
# Where the Kafka jars and the FerretDB binary were built (the main stack's state).
MAIN_STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
STATE = Path(os.environ.get("SAMLA_SOAK_DIR", "/tmp/samla-soak"))
KAFKA_PORT = int(os.environ.get("SAMLA_SOAK_KAFKA_PORT", "19292"))
MONGO_PORT = int(os.environ.get("SAMLA_SOAK_MONGO_PORT", "27029"))
SMTP_PORT = int(os.environ.get("SAMLA_SOAK_SMTP_PORT", "1029"))
KAFKA = f"127.0.0.1:{KAFKA_PORT}"
MONGO = f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true"
TOPIC = "samla.enrollment.v1"
SERVICES = ("enrollment", "sessions", "notifications")
# Confirmation mails: one per ParticipantEnrolled (X-Samla-Notification header of the mail).
CONFIRMATIONS = {"enrolled", "promoted"}
COHORTS = 6
CAPACITY = 8


def stack_env() -> dict[str, str]:
    env = {**os.environ, "SAMLA_STACK_DIR": str(STATE), "SAMLA_KAFKA_PORT": str(KAFKA_PORT),
           "SAMLA_MONGO_PORT": str(MONGO_PORT), "SAMLA_SMTP_PORT": str(SMTP_PORT)}
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


def service_process(name: str, run: str, issuer: str, enrollment_port: int) -> Process:
    port = enrollment_port if name == "enrollment" else free_port()
    prefix = f"{name.upper()}_"
    settings = {"environment": "test", "otlp_endpoint": "", "kafka_bootstrap_servers": KAFKA, "mongo_url": MONGO,
                "mongo_database": f"soak_{name}_{run}", "consumer_group": f"soak-{name}-{run}",
                "auth_issuer": issuer, "auth_jwks_url": f"{issuer}/jwks.json",
                "enrollment_url": f"http://127.0.0.1:{enrollment_port}"}
    if name == "notifications":
        # A delivery claimed by a killed instance is sent again after this long (same Message-ID).
        settings |= {"smtp_host": "127.0.0.1", "smtp_port": str(SMTP_PORT), "send_lease_seconds": "5"}
    env = {**os.environ, **{prefix + k.upper(): v for k, v in settings.items()}}
    command = [sys.executable, "-m", "uvicorn", f"samla_{name}.entrypoints.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return Process(name, command, env, port)


@dataclass
class Figures:
    applications: int = 0
    withdrawals: int = 0
    refused: int = 0  # requests that failed while a process was down: the caller would retry
    faults: Counter = field(default_factory=Counter)
    checked: dict[str, int] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)


# -- load ---------------------------------------------------------------------------------

async def open_cohorts(client: httpx.AsyncClient) -> list[str]:
    programme = await client.post("/programmes", json={
        "code": "SOAK", "title": "Soak", "network_id": "net-soak", "language": "nb",
        "requires_manager_approval": False,
        "gathering_plan": [{"kind": "kickoff", "days": 1}]})
    programme.raise_for_status()
    now = datetime.now(UTC)
    cohorts = []
    for i in range(COHORTS):
        cohort = await client.post("/cohorts", json={
            "programme_id": programme.json()["id"], "term": f"soak-{i}", "capacity": CAPACITY,
            "applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat()})
        cohort.raise_for_status()
        cohorts.append(cohort.json()["id"])
    return cohorts


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


async def chaos(processes: dict[str, Process], until: float, figures: Figures, rng: random.Random) -> None:
    while time.monotonic() < until - 5:
        await asyncio.sleep(rng.uniform(2, 6))
        target = rng.choice([*SERVICES, "kafka", "ferretdb"])
        if target in processes and rng.random() < 0.5:
            processes[target].signal(signal.SIGKILL)
            figures.faults[f"SIGKILL {target}"] += 1
            processes[target].start()
            continue
        pid = processes[target].process.pid if target in processes else infra_pid(target)
        os.kill(pid, signal.SIGSTOP)
        figures.faults[f"SIGSTOP {target}"] += 1
        try:
            await asyncio.sleep(rng.uniform(1, 5))
        finally:
            os.kill(pid, signal.SIGCONT)


# -- checks -------------------------------------------------------------------------------

async def drained(db_enrollment: Any, db_notifications: Any, bootstrap: str, groups: list[str]) -> bool:
    from samla_ops.kafka import consumer_lag

    if await db_enrollment.cohorts.count_documents({"outbox_pending": {"$gt": 0}}):
        return False
    if await db_enrollment.applications.count_documents({"outbox_pending": {"$gt": 0}}):
        return False
    # A mail whose send was interrupted is claimed ("sending" or "retrying") until it goes out again.
    if await db_notifications.deliveries.count_documents({"status": {"$in": ["sending", "retrying"]}}):
        return False
    return all(row.lag == 0 for row in await consumer_lag(bootstrap, groups))


async def check(client: httpx.AsyncClient, run: str, cohorts: list[str], accepted: dict[str, str],
                withdrawn: set[str], emails: dict[str, str], figures: Figures) -> None:
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
        partitions = await topic_partitions(admin, TOPIC)
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
                    sequence = data.get("cohort_sequence")
                    cohort_id = record.key.decode()
                    if sequence is not None:
                        if sequence < sequences[cohort_id]:
                            violations.append(f"cohort {cohort_id}: sequence {sequence} after {sequences[cohort_id]}")
                        sequences[cohort_id] = max(sequences[cohort_id], sequence)
        figures.checked["events (distinct ce_id)"] = events
        figures.checked["redelivered records"] = redelivered
        topics = ("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")
        dead = [TopicPartition(f"{t}.dlq", 0) for t in topics]
        for tp, end in (await consumer.end_offsets(dead)).items():
            if end:
                violations.append(f"dead-letter topic {tp.topic} holds {end} records")
    finally:
        await consumer.stop()
        await mongo.close()
    check_mails(enrolments, emails, figures)


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
    processes = {name: service_process(name, run, issuer_url, enrollment_port) for name in SERVICES}
    try:
        issuer.start()
        await issuer.ready(path="/dev-issuer/jwks.json")
        async with httpx.AsyncClient() as plain:
            # The services refuse tokens living longer than an hour; a soak longer than that
            # would mint a new one.
            minted = await plain.post(f"{issuer_url}/tokens", json={
                "subject": "soak-admin", "roles": ["platform_admin"], "expires_in": 3600})
            minted.raise_for_status()
            token = minted.json()["access_token"]
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.ready()
        enrollment = processes["enrollment"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{enrollment.port}",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            cohorts = await open_cohorts(client)
            accepted: dict[str, str] = {}
            withdrawn: set[str] = set()
            emails: dict[str, str] = {}
            until = time.monotonic() + minutes * 60
            await asyncio.gather(*(load(client, cohorts, until, figures, accepted, withdrawn, emails, rng)
                                   for _ in range(4)),
                                 chaos(processes, until, figures, rng))
        # Everything runs again; wait until the outboxes are empty and sessions has read it all.
        for process in processes.values():
            process.signal(signal.SIGCONT)
            if not process.alive():
                process.start()
        for process in processes.values():
            await process.ready()
        from pymongo import AsyncMongoClient

        mongo: AsyncMongoClient = AsyncMongoClient(MONGO)
        deadline = time.monotonic() + 300
        while not await drained(mongo[f"soak_enrollment_{run}"], mongo[f"soak_notifications_{run}"], KAFKA,
                                [f"soak-sessions-{run}", f"soak-notifications-{run}"]):
            if time.monotonic() > deadline:
                figures.violations.append("work did not drain within 300 s")
                break
            await asyncio.sleep(1)
        await mongo.close()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{enrollment.port}",
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            await check(client, run, cohorts, accepted, withdrawn, emails, figures)
    finally:
        for process in [*processes.values(), issuer]:
            process.signal(signal.SIGCONT)
            process.signal(signal.SIGTERM)
        stack("down")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    started = time.monotonic()
    figures = asyncio.run(soak(args.minutes, args.seed))
    result = {"minutes": args.minutes, "seed": args.seed, "applications": figures.applications,
              "withdrawals": figures.withdrawals, "refused_during_faults": figures.refused,
              "faults": dict(figures.faults), "checked": figures.checked, "violations": figures.violations,
              "wall_seconds": round(time.monotonic() - started)}
    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "result.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 1 if figures.violations else 0


if __name__ == "__main__":
    sys.exit(main())
