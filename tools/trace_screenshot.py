"""Take docs/images/trace-enrollment.png: a real trace of the enrollment journey in the local viewer.

    .venv/bin/python tools/trace_screenshot.py      (needs Jaeger: `stack.py start jaeger`;
                                                      Debian's chromium for the picture)

Runs enrollment, sessions and notifications as their own uvicorn processes on spare ports
(with their own databases and consumer groups, so a running `make up` is left alone),
exporting traces to the viewer; publishes a programme, opens a cohort, submits an
application, waits until the roster shows it and the seat's mail went to the SMTP sink
(`SAMLA_SMTP_PORT`, the local stack's by default), and photographs that application's
trace in headless Chromium.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KAFKA = os.environ.get("SAMLA_KAFKA", "127.0.0.1:9092")
MONGO = os.environ.get("SAMLA_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true")
VIEWER = os.environ.get("SAMLA_TRACE_VIEWER", "http://127.0.0.1:16686")
OTLP = os.environ.get("SAMLA_OTLP_ENDPOINT", "http://127.0.0.1:4318")
SMTP_PORT = os.environ.get("SAMLA_SMTP_PORT", "1025")
PORTS = {"enrollment": 18001, "sessions": 18002, "notifications": 18004}
OUTPUT = ROOT / "docs/images/trace-enrollment.png"


def call(method: str, url: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def wait(what: str, check, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what}: not within {timeout:.0f}s")


def start_service(name: str, run: str, logs: Path) -> subprocess.Popen:
    prefix = name.upper()
    env = {**os.environ, f"{prefix}_KAFKA_BOOTSTRAP_SERVERS": KAFKA, f"{prefix}_MONGO_URL": MONGO,
           f"{prefix}_MONGO_DATABASE": f"screenshot_{name}_{run}", f"{prefix}_CONSUMER_GROUP": f"screenshot-{name}-{run}",
           f"{prefix}_CONSUMER_OFFSET_RESET": "latest", f"{prefix}_OTLP_ENDPOINT": OTLP}
    if name == "notifications":  # asks enrollment for the contact details, mails through the sink
        env |= {"NOTIFICATIONS_ENROLLMENT_URL": f"http://127.0.0.1:{PORTS['enrollment']}",
                "NOTIFICATIONS_SMTP_PORT": SMTP_PORT}
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"samla_{name}.entrypoints.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(PORTS[name]), "--no-access-log"],
        env=env, stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT)


def journey() -> tuple[str, str]:
    enrollment = f"http://127.0.0.1:{PORTS['enrollment']}"
    sessions = f"http://127.0.0.1:{PORTS['sessions']}"
    notifications = f"http://127.0.0.1:{PORTS['notifications']}"
    programme = call("POST", f"{enrollment}/programmes", {
        "code": "KULT", "title": "Kulturkompetanse", "network_id": f"net-sor-ost-{uuid.uuid4().hex[:6]}",
        "requires_manager_approval": False})
    now = datetime.now(UTC)
    cohort = call("POST", f"{enrollment}/cohorts", {
        "programme_id": programme["id"], "term": "spring-2027", "capacity": 25,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    application = call("POST", f"{enrollment}/cohorts/{cohort['id']}/applications", {
        "participant": {"name": "Ingrid Nilsen", "email": f"ingrid.{uuid.uuid4().hex[:6]}@example.no"},
        "manager": {"name": "Per Hansen", "email": "per.hansen@example.no"},
        "organisation_id": "org-ahus", "unit_id": "unit-med-3"})
    wait("roster", lambda: any(m["application_id"] == application["id"]
                               for m in call("GET", f"{sessions}/cohorts/{cohort['id']}/roster")["members"]))
    query = urllib.parse.urlencode({"recipient_id": application["participant_id"], "kind": "enrolled", "status": "sent"})
    wait("the seat's mail", lambda: call("GET", f"{notifications}/notifications?{query}"), timeout=180)
    return cohort["id"], application["id"]


def find_trace(cohort_id: str) -> str:
    """The trace of the application's POST, once the sessions and notifications spans have arrived too."""
    def look() -> str | None:
        query = urllib.parse.urlencode({"service": "enrollment", "operation": "POST /cohorts/{cohort_id}/applications",
                                        "lookback": "1h", "limit": 20})
        for trace in call("GET", f"{VIEWER}/api/traces?{query}")["data"] or []:
            services = {p["serviceName"] for p in trace["processes"].values()}
            if {"sessions", "notifications"} <= services and cohort_id in json.dumps(trace["spans"]):
                return trace["traceID"]
        return None

    return wait("trace with the three services in the viewer", look, timeout=60)


def screenshot(url: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("no chromium: apt-get install chromium")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--hide-scrollbars", "--virtual-time-budget=5000",
                        f"--screenshot={OUTPUT}", "--window-size=1400,1300", url],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def main() -> None:
    run = uuid.uuid4().hex[:8]
    logs = Path(tempfile.mkdtemp(prefix="samla-screenshot-"))
    processes = [start_service(name, run, logs) for name in ("notifications", "sessions", "enrollment")]
    try:
        for name in PORTS:
            wait(f"{name} ready", lambda name=name: call("GET", f"http://127.0.0.1:{PORTS[name]}/health/ready"))
        cohort_id, application_id = journey()
        trace_id = find_trace(cohort_id)
        url = f"{VIEWER}/trace/{trace_id}"
        screenshot(url)
        print(f"application {application_id}: trace {url}\nwrote {OUTPUT.relative_to(ROOT)}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        from pymongo import MongoClient

        client = MongoClient(MONGO)
        for name in PORTS:
            client.drop_database(f"screenshot_{name}_{run}")
        client.close()


if __name__ == "__main__":
    main()
