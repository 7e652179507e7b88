"""Samla's local stack without Docker: real servers as processes on loopback.

    python infra/local/stack.py up [--services]   start what is not running (idempotent);
                                                  with --services also Jaeger and the four services,
                                                  returning once each answers 200 on /health/ready
    python infra/local/stack.py up --tests        what the test session uses: FerretDB, the SMTP sink
                                                  and a Kafka broker of the tests' own (kafka-test)
    python infra/local/stack.py down              stop everything this script started
    python infra/local/stack.py status            one line per component
    python infra/local/stack.py start|stop NAME   one component (fault tests use this)

Components: Kafka (Apache Kafka 4.x, KRaft, jars from Maven Central), FerretDB v1.24.2
(SQLite handler, built from infra/ferretdb with the Go module proxy and the one patch
there, which lets SQLite use the `_id` index), an SMTP sink, and
with --services the development token issuer (port 8090, refused by production settings), a trace viewer (Jaeger v2, built from infra/jaeger with the Go module
proxy; OTLP on 4317/4318, UI on 16686) and the four Samla services, which then export
their traces to it. State, logs and pid files live in .stack/
(gitignored). A pid file whose process is gone is treated as stale and replaced.

The platform's broker (kafka, 127.0.0.1:9092) requires SASL/SCRAM and applies compose's ACLs,
like compose's: the services connect as their own principals, with passwords this script
makes and keeps in the broker's state folder (infra/local/kafka_auth.py). SAMLA_KAFKA_SASL=0
runs it plaintext instead, for debugging with a client that cannot authenticate.

The test session has a Kafka broker of its own (kafka-test, 127.0.0.1:19192, state in
.stack/kafka-19192): the running platform's consumers would otherwise read the tests'
records, poison ones included, and park them on the platform's dead-letter topics. It is
plaintext: it holds only the tests' throwaway records, each test uses groups of its own,
and tests/kafka_security/ proves the SASL rules on a broker of its own (docs/security.md).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
RUN, LOGS = STATE / "run", STATE / "logs"
PYTHON = sys.executable

KAFKA_PORT = int(os.environ.get("SAMLA_KAFKA_PORT", "9092"))
# Not 19092: the fault tests' stack (tests/faults/fault_stack.py) uses that one.
TEST_KAFKA_PORT = int(os.environ.get("SAMLA_TEST_KAFKA_PORT", "19192"))
MONGO_PORT = int(os.environ.get("SAMLA_MONGO_PORT", "27017"))
SMTP_PORT = int(os.environ.get("SAMLA_SMTP_PORT", "1025"))
DEV_ISSUER_PORT = int(os.environ.get("SAMLA_DEV_ISSUER_PORT", "8090"))
DEV_ISSUER_URL = f"http://127.0.0.1:{DEV_ISSUER_PORT}/dev-issuer"
# SAMLA_<NAME>_PORT moves one (e.g. SAMLA_ENROLLMENT_PORT), to run a second stack beside the first.
_DEFAULT_SERVICE_PORTS = {"enrollment": 8001, "sessions": 8002, "measures": 8003, "notifications": 8004, "portal": 8000}
SERVICE_PORTS = {name: int(os.environ.get(f"SAMLA_{name.upper()}_PORT", default))
                 for name, default in _DEFAULT_SERVICE_PORTS.items()}
JAEGER_UI_PORT = int(os.environ.get("SAMLA_JAEGER_UI_PORT", "16686"))
OTLP_GRPC_PORT = int(os.environ.get("SAMLA_OTLP_GRPC_PORT", "4317"))
OTLP_HTTP_PORT = int(os.environ.get("SAMLA_OTLP_HTTP_PORT", "4318"))
# How long `up --services` waits for every service it started to answer 200 on /health/ready.
SERVICES_READY_TIMEOUT = float(os.environ.get("SAMLA_SERVICES_READY_TIMEOUT", "180"))


def log(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for(what: str, check: Callable[[], bool], timeout: float, logfile: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    tail = ""
    if logfile and logfile.exists():
        tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-20:])
    raise SystemExit(f"{what} did not become ready within {timeout:.0f}s\n{tail}")


@dataclass
class Component:
    name: str
    port: int
    marker: str  # a string in the process command line, to tell our process from a recycled pid
    prepare: Callable[[], None] = lambda: None
    command: Callable[[], list[str]] = list
    ready: Callable[[], bool] = lambda: True
    ready_timeout: float = 60.0
    env: Callable[[], dict[str, str]] = dict
    after_start: Callable[[], None] = lambda: None
    cwd: Path = ROOT
    needs: list[str] = field(default_factory=list)
    # Why it is not ready yet, for the message when a bounded wait runs out.
    not_ready_reason: Callable[[], str] = lambda: "not ready"
    # Why our running process cannot be used as it is (e.g. started with other settings), else None.
    refuse_running: Callable[[], str | None] = lambda: None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def pidfile(self) -> Path:
        return RUN / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return LOGS / f"{self.name}.log"

    def pid(self) -> int | None:
        """The pid of our running process, or None (removing a stale pid file)."""
        try:
            pid = int(self.pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if self.marker in cmdline and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
                return pid
        except (FileNotFoundError, ValueError, ProcessLookupError, IndexError):
            pass
        self.pidfile.unlink(missing_ok=True)
        return None

    def start(self, wait: bool = True) -> None:
        """Start the process unless it runs; with `wait`, return once it is ready (else see `wait_all_ready`)."""
        if self.pid() is not None:
            if reason := self.refuse_running():
                raise SystemExit(f"{self.name}: {reason}")
            log(f"{self.name}: already running (pid {self.pid()})")
            if wait and not self.ready():
                wait_for(self.name, self.ready, self.ready_timeout, self.logfile)
            self.after_start()
            return
        if port_open(self.port):
            if self.ready():  # e.g. a server started from another checkout: use it as it is
                log(f"{self.name}: already answering on port {self.port} (not started by this checkout)")
                self.after_start()
                return
            raise SystemExit(f"{self.name}: port {self.port} is taken by a process that is not a ready {self.name} "
                             f"({self.not_ready_reason()})")
        self.prepare()
        RUN.mkdir(parents=True, exist_ok=True)
        LOGS.mkdir(parents=True, exist_ok=True)
        with self.logfile.open("ab") as out:
            process = subprocess.Popen(
                self.command(), cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env()}, start_new_session=True,
            )
        self.pidfile.write_text(str(process.pid))
        self.process = process
        started = time.monotonic()
        if not wait:
            log(f"{self.name}: started on 127.0.0.1:{self.port} (pid {process.pid})")
            return

        def up() -> bool:
            self.check_alive()
            return self.ready()

        wait_for(self.name, up, self.ready_timeout, self.logfile)
        self.after_start()
        log(f"{self.name}: ready on 127.0.0.1:{self.port} in {time.monotonic() - started:.1f}s (pid {process.pid})")

    def log_tail(self, lines: int = 20) -> str:
        if not self.logfile.exists():
            return ""
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])

    def check_alive(self) -> None:
        """Fail at once, with the log's tail, when the process this run started has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise SystemExit(f"{self.name} exited with code {self.process.returncode} while starting\n"
                             f"{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.killpg(pid, sig)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.2)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
            time.sleep(0.5)
        self.pidfile.unlink(missing_ok=True)
        log(f"{self.name}: stopped")

    def status(self) -> str:
        pid = self.pid()
        if pid is None:
            return f"{self.name:14} stopped" + (f" (port {self.port} answers: not ours)" if port_open(self.port) else "")
        state = "ready" if self.ready() else "starting"
        return f"{self.name:14} {state:9} pid {pid:<8} 127.0.0.1:{self.port}  log {self.logfile.relative_to(ROOT) if self.logfile.is_relative_to(ROOT) else self.logfile}"


# -- Kafka ------------------------------------------------------------------------------

# Jars and binaries may be shared by several stacks (fault and federation tests run their own).
KAFKA_LIB = Path(os.environ.get("SAMLA_KAFKA_LIB", STATE / "kafka-lib"))


def ensure_kafka_jars() -> None:
    pom = ROOT / "infra/kafka/pom.xml"
    stamp = KAFKA_LIB / ".resolved"
    if stamp.exists() and stamp.stat().st_mtime >= pom.stat().st_mtime:
        return
    KAFKA_LIB.mkdir(parents=True, exist_ok=True)
    # Two stacks may start at once on one jar folder (the federation test starts two
    # clusters together): one resolves while the other waits, then finds the fresh stamp.
    with (KAFKA_LIB.parent / f".{KAFKA_LIB.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.stat().st_mtime >= pom.stat().st_mtime:
            return
        log("kafka: resolving broker jars from Maven Central (first run only)")
        for jar in KAFKA_LIB.glob("*.jar"):
            jar.unlink(missing_ok=True)
        subprocess.run(
            ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
             f"-DoutputDirectory={KAFKA_LIB}", "-DincludeScope=runtime"],
            check=True,
        )
        stamp.touch()


def kafka_java(main_class: str, *args: str, heap: str = "512m") -> list[str]:
    return ["java", f"-Xmx{heap}", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.log.kafka.server.KafkaRaftServer=info",
            "-cp", f"{KAFKA_LIB}/*", main_class, *args]


def kafka_home(port: int) -> Path:
    return STATE / f"kafka-{port}"


# The platform's broker accepts only authenticated clients and applies compose's ACLs
# (infra/kafka/server-sasl.properties, infra/local/kafka_auth.py); passwords are made per state
# folder. SAMLA_KAFKA_SASL=0 runs it plaintext, for debugging only: then any local process may
# publish any event (a forged ParticipantErased, say). The private brokers of the tests, the
# fault and federation tests and the soak set it to 0 (see `kafka-test` below for why).
KAFKA_SASL = os.environ.get("SAMLA_KAFKA_SASL", "1") != "0"


def kafka_auth():  # noqa: ANN201 - the module, imported from beside this script
    sys.path.insert(0, str(ROOT / "infra/local"))
    import kafka_auth

    return kafka_auth


def kafka_client_options(port: int, sasl: bool) -> dict[str, str]:
    """The admin's connection options for the broker on `port` ({} for a plaintext broker)."""
    return kafka_auth().client_options(kafka_home(port), "admin") if sasl else {}


def configured_with_sasl(port: int) -> bool | None:
    """Whether the broker on `port` was last started with SASL (None: never started from this state)."""
    properties = kafka_home(port) / "server.properties"
    return "SASL_PLAINTEXT://" in properties.read_text() if properties.exists() else None


def running_as_wanted(port: int, sasl: bool) -> str | None:
    """Why our running broker cannot be used as it is (started in the other mode), else None."""
    if configured_with_sasl(port) in (None, sasl):
        return None
    if sasl:
        return (f"kafka on {port} runs without SASL (started before SASL became the default, or with "
                "SAMLA_KAFKA_SASL=0). `make down && make up` restarts it with SASL and keeps its records; "
                "SAMLA_KAFKA_SASL=0 make up keeps it plaintext")
    return f"kafka on {port} runs with SASL; stop it (`make down`) before starting it with SAMLA_KAFKA_SASL=0"


def add_kafka_user(port: int, name: str, password: str) -> None:
    """Add (or change) a SCRAM principal on a running SASL broker, as the admin."""
    auth = kafka_auth()
    subprocess.run(
        kafka_java("kafka.admin.ConfigCommand", "--bootstrap-server", f"127.0.0.1:{port}", "--command-config",
                   str(auth.admin_properties(kafka_home(port))), "--alter", "--entity-type", "users",
                   "--entity-name", name, "--add-config", f"{auth.MECHANISM}=[password={password}]", heap="256m"),
        check=True, stdout=subprocess.DEVNULL,
    )


def add_integrator(port: int, network: str, password: str) -> str:
    """Give `network`'s integrator its principal and ACLs (compose: infra/compose/kafka-integrator.sh)."""
    auth = kafka_auth()
    acls = auth.integrator_acls(network)
    principal = acls[0][0]
    add_kafka_user(port, principal, password)
    asyncio.run(auth.apply_acls(f"127.0.0.1:{port}", kafka_home(port), acls))
    return principal


def write_kafka_properties(port: int, sasl: bool) -> Path:
    home = kafka_home(port)
    properties = home / "server.properties"
    template = (ROOT / "infra/kafka" / ("server-sasl.properties" if sasl else "server.properties")).read_text()
    home.mkdir(parents=True, exist_ok=True)
    filled = (template.replace("@DATA_DIR@", str(home / "data")).replace("@PORT@", str(port))
              .replace("@CONTROLLER_PORT@", str(port + 1)))
    if sasl:
        auth = kafka_auth()
        passwords = auth.credentials(home)
        filled = (filled.replace("@CONTROLLER_PASSWORD@", passwords[auth.CONTROLLER])
                  .replace("@BROKER_PASSWORD@", passwords["broker"]))
    properties.write_text(filled)
    properties.chmod(0o600)  # it holds the controller's and the broker's passwords when SASL is on
    return properties


def add_scram_to_plaintext_storage(port: int) -> None:
    """Give a broker formatted without SASL (before SASL became the default) its SCRAM principals.

    KRaft keeps SCRAM credentials in the cluster metadata, and `format` adds them only to a
    fresh storage. So the broker is started once more as it was formatted (plaintext, no
    authoriser), each principal is added as any client there may, and it is stopped again:
    its topics, records and consumer offsets stay. The passwords are saved last, so a
    migration cut short is simply done again with new ones.
    """
    auth = kafka_auth()
    home = kafka_home(port)
    passwords = auth.new_credentials()
    properties = write_kafka_properties(port, sasl=False)
    LOGS.mkdir(parents=True, exist_ok=True)
    logfile = LOGS / f"kafka-{port}-sasl-migration.log"
    log(f"kafka on {port}: storage formatted without SASL; adding the SCRAM principals (once, keeps the records)")
    with logfile.open("ab") as out:
        broker = subprocess.Popen(kafka_java("kafka.Kafka", str(properties)), stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(f"kafka on {port} (plaintext, to add principals)", lambda: kafka_answers(port, sasl=False), 90,
                 logfile)
        for name in auth.SCRAM_PRINCIPALS:
            subprocess.run(
                kafka_java("kafka.admin.ConfigCommand", "--bootstrap-server", f"127.0.0.1:{port}", "--alter",
                           "--entity-type", "users", "--entity-name", name,
                           "--add-config", f"{auth.MECHANISM}=[password={passwords[name]}]", heap="256m"),
                check=True, stdout=subprocess.DEVNULL,
            )
    finally:
        os.killpg(broker.pid, signal.SIGTERM)
        try:
            broker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(broker.pid, signal.SIGKILL)
            broker.wait()
    auth.save_credentials(home, passwords)


def prepare_kafka(port: int, sasl: bool) -> None:
    ensure_kafka_jars()
    home = kafka_home(port)
    data = home / "data"
    formatted = (data / "meta.properties").exists()
    if sasl and formatted and kafka_auth().saved_credentials(home) is None:
        add_scram_to_plaintext_storage(port)
    properties = write_kafka_properties(port, sasl)
    scram: list[str] = []
    if sasl:
        auth = kafka_auth()
        passwords = auth.credentials(home)
        # KRaft keeps SCRAM credentials in its metadata: the first ones come with the format.
        for name in auth.SCRAM_PRINCIPALS:
            scram += ["--add-scram", f"{auth.MECHANISM}=[name={name},password={passwords[name]}]"]
    if not formatted:
        cluster_id = new_cluster_id()
        subprocess.run(
            kafka_java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties), "--standalone",
                       *scram, heap="256m"),
            check=True, stdout=subprocess.DEVNULL,
        )


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding.

    Never one starting with "-": the storage tool's argument parser would take it for an
    option and refuse to format (1 id in 64 did; Kafka's own Uuid.randomUuid skips them too).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def kafka_answers(port: int, sasl: bool) -> bool:
    """Ready means an admin client gets an answer, not merely that the port is open.

    On a SASL broker it signs in as the admin of this state folder; a broker started from
    another checkout (other passwords) does not answer it, and is then not used.
    """
    if not port_open(port):
        return False
    if sasl and kafka_auth().saved_credentials(kafka_home(port)) is None:
        return False

    async def ask() -> bool:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}", request_timeout_ms=3000,
                                    **kafka_client_options(port, sasl))
        try:
            await admin.start()
            await admin.describe_cluster()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(ask())


def create_topics(port: int, sasl: bool) -> None:
    sys.path.insert(0, str(ROOT / "infra/local"))
    from topics import ensure_topics

    created = asyncio.run(ensure_topics(f"127.0.0.1:{port}", ROOT / "infra/topics.yaml",
                                        **kafka_client_options(port, sasl)))
    if created:
        log(f"kafka on {port}: created topics {', '.join(created)}")
    if sasl:
        auth = kafka_auth()
        asyncio.run(auth.apply_acls(f"127.0.0.1:{port}", kafka_home(port), auth.granted(auth.ACL_SCRIPT.read_text())))


def kafka(name: str, port: int, sasl: bool) -> Component:
    """A single-node KRaft broker on `port` (controller on port + 1) with the declared topics;
    with `sasl`, only for authenticated clients and with compose's ACLs."""
    properties = kafka_home(port) / "server.properties"
    return Component(
        name=name, port=port, marker=str(properties), prepare=lambda: prepare_kafka(port, sasl),
        command=lambda: kafka_java("kafka.Kafka", str(properties)),
        ready=lambda: kafka_answers(port, sasl), ready_timeout=90, after_start=lambda: create_topics(port, sasl),
        refuse_running=lambda: running_as_wanted(port, sasl),
        not_ready_reason=lambda: ("this checkout has no password for it: started from another checkout?"
                                  if sasl and kafka_auth().saved_credentials(kafka_home(port)) is None
                                  else "no answer to an admin client"),
    )


# -- FerretDB ---------------------------------------------------------------------------

FERRETDB_BIN = Path(os.environ.get("SAMLA_FERRETDB_BIN", STATE / "bin/ferretdb"))


def build_ferretdb() -> None:
    """Build FerretDB v1.24.2 from the Go module proxy, with the patches in infra/ferretdb applied.

    The module's source is copied out of the read-only module cache, patched, and built in
    place of the upstream module through a build-only go.mod (`-modfile`) that replaces it;
    the committed go.mod and go.sum still pin the upstream version and its checksums.
    """
    source = ROOT / "infra/ferretdb"
    newest_source = max(p.stat().st_mtime for p in source.iterdir())
    if FERRETDB_BIN.exists() and FERRETDB_BIN.stat().st_mtime >= newest_source:
        return
    log("ferretdb: building v1.24.2 from the Go module proxy, patched (first run only)")
    module = "github.com/FerretDB/FerretDB"
    downloaded = subprocess.run(["go", "mod", "download", "-json", module], cwd=source, check=True,
                                capture_output=True, text=True)
    build = STATE / "ferretdb-build"
    shutil.rmtree(build, ignore_errors=True)
    patched = build / "src"
    shutil.copytree(json.loads(downloaded.stdout)["Dir"], patched)
    for path in [patched, *patched.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # the module cache hands out read-only files
    for patch in sorted(source.glob("*.patch")):
        subprocess.run(["patch", "-p1", "--batch", "--forward", "--quiet", "-d", str(patched), "-i", str(patch)],
                       check=True)
    shutil.copy(source / "go.mod", build / "go.mod")
    shutil.copy(source / "go.sum", build / "go.sum")
    subprocess.run(["go", "mod", "edit", f"-modfile={build / 'go.mod'}", f"-replace={module}={patched}"],
                   cwd=source, check=True)
    FERRETDB_BIN.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["go", "build", f"-modfile={build / 'go.mod'}", "-o", str(FERRETDB_BIN), "."], cwd=source,
                   check=True)


def mongo_answers() -> bool:
    if not port_open(MONGO_PORT):
        return False
    from pymongo import MongoClient

    client = MongoClient(f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true", serverSelectionTimeoutMS=1000)
    try:
        return client.admin.command("ping").get("ok") == 1
    except Exception:
        return False
    finally:
        client.close()


# -- Jaeger (trace viewer) ----------------------------------------------------------------

JAEGER_BIN = Path(os.environ.get("SAMLA_JAEGER_BIN", STATE / "bin/jaeger"))
JAEGER_HOME = STATE / f"jaeger-{JAEGER_UI_PORT}"
# The Go module carries only a placeholder page for the UI (its assets are built from a
# separate repository that no package registry publishes), so Jaeger serves Samla's own
# small page over its query API. Point SAMLA_JAEGER_UI at a jaeger-ui build to use that instead.
JAEGER_UI = Path(os.environ.get("SAMLA_JAEGER_UI", ROOT / "infra/jaeger/ui"))


def build_jaeger() -> None:
    """Build Jaeger v2 from the Go module proxy (a `tool` of our module infra/jaeger), once."""
    source = ROOT / "infra/jaeger"
    newest_source = max((source / name).stat().st_mtime for name in ("go.mod", "go.sum"))
    if not (JAEGER_BIN.exists() and JAEGER_BIN.stat().st_mtime >= newest_source):
        module = "github.com/jaegertracing/jaeger"
        version = next(line.split()[1] for line in (source / "go.mod").read_text().splitlines()
                       if line.strip().startswith(module + " "))
        log(f"jaeger: building v2 (module {version}) from the Go module proxy (first run only, ~5 min on 2 cores)")
        JAEGER_BIN.parent.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        # -s -w: no symbol tables (85 MB instead of 120 MB); the version shows in the UI and the log.
        ldflags = f"-s -w -X {module}/internal/version.latestVersion={version}"
        subprocess.run(["go", "build", "-trimpath", f"-ldflags={ldflags}", "-o", str(JAEGER_BIN),
                        f"{module}/cmd/jaeger"], cwd=source, check=True)
        log(f"jaeger: built in {time.monotonic() - began:.0f}s")
    JAEGER_HOME.mkdir(parents=True, exist_ok=True)
    config = (source / "config.yaml").read_text()
    for placeholder, value in {"@UI_PORT@": JAEGER_UI_PORT, "@QUERY_GRPC_PORT@": JAEGER_UI_PORT - 1,
                               "@HEALTH_PORT@": JAEGER_UI_PORT + 1, "@OTLP_GRPC_PORT@": OTLP_GRPC_PORT,
                               "@OTLP_HTTP_PORT@": OTLP_HTTP_PORT, "@UI_DIR@": JAEGER_UI}.items():
        config = config.replace(placeholder, str(value))
    (JAEGER_HOME / "config.yaml").write_text(config)


def jaeger_answers() -> bool:
    """Ready when the query API answers and the OTLP receiver accepts connections."""
    if not (port_open(JAEGER_UI_PORT) and port_open(OTLP_HTTP_PORT)):
        return False
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{JAEGER_UI_PORT}/api/services", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def otlp_endpoint() -> str | None:
    """Where the services send traces: the local Jaeger when it runs, otherwise nowhere."""
    return f"http://127.0.0.1:{OTLP_HTTP_PORT}" if jaeger_answers() else None


# -- components -------------------------------------------------------------------------

def _service(name: str) -> Component:
    port = SERVICE_PORTS[name]
    prefix = name.upper()

    def env() -> dict[str, str]:
        values = {f"{prefix}_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{KAFKA_PORT}",
                  f"{prefix}_MONGO_URL": f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true",
                  f"{prefix}_ENVIRONMENT": "development",
                  f"{prefix}_AUTH_ISSUER": DEV_ISSUER_URL,
                  f"{prefix}_AUTH_JWKS_URL": f"{DEV_ISSUER_URL}/jwks.json"}
        if name == "notifications":
            values["NOTIFICATIONS_SMTP_PORT"] = str(SMTP_PORT)
            # Contact look-ups in enrollment use short-lived client-credentials tokens from the
            # development issuer (its registered client and secret are the settings' defaults).
        if name == "portal":
            # Signs people in at the development issuer; the local run is plain http, so no Secure cookie.
            values.update({"PORTAL_OIDC_ISSUER": DEV_ISSUER_URL, "PORTAL_COOKIE_SECURE": "false"})
        # Where it finds the others (and itself, for links it writes): their settings default to the usual ports.
        urls = {f"{prefix}_{other.upper()}_URL": f"http://127.0.0.1:{other_port}"
                for other, other_port in SERVICE_PORTS.items() if other != name}
        urls |= {f"{prefix}_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        values |= {key: url for key, url in urls.items() if key not in os.environ}
        if f"{prefix}_OTLP_ENDPOINT" not in os.environ and (endpoint := otlp_endpoint()):
            values[f"{prefix}_OTLP_ENDPOINT"] = endpoint
        if KAFKA_SASL and name in kafka_auth().SCRAM_PRINCIPALS:
            # Its own principal on the SASL broker, with the password kept in the broker's state.
            values.update(kafka_auth().service_environment(kafka_home(KAFKA_PORT), prefix, name))
        return values

    return Component(
        name=name, port=port, marker=f"samla_{name}.entrypoints.app",
        command=lambda: [PYTHON, "-m", "uvicorn", f"samla_{name}.entrypoints.app:create_app", "--factory",
                         "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        ready=lambda: readiness(port)[0], not_ready_reason=lambda: readiness(port)[1],
        env=env, needs=["kafka", "ferretdb", "dev-issuer"],
    )


def readiness(port: int) -> tuple[bool, str]:
    """Whether a service answers 200 on /health/ready (an open port alone is not ready), and else why."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=3) as response:
            return response.status == 200, f"/health/ready answered {response.status}"
    except urllib.error.HTTPError as error:
        body = " ".join(error.read(2000).decode(errors="replace").split())  # e.g. the reasons of a 503
        return False, f"/health/ready answered {error.code}: {body[:300]}"
    except OSError as error:
        return False, f"/health/ready did not answer ({error})"


def wait_all_ready(components: list[Component], timeout: float) -> None:
    """Wait, at most `timeout` seconds in all, until every component is ready; else fail naming each that is not."""
    began = time.monotonic()
    waiting = list(components)
    while True:
        for component in waiting:
            component.check_alive()
        for component in [c for c in waiting if c.ready()]:
            waiting.remove(component)
            log(f"{component.name}: ready on 127.0.0.1:{component.port} ({time.monotonic() - began:.1f}s)")
        if not waiting:
            return
        if time.monotonic() - began > timeout:
            lines = [f"not ready within {timeout:.0f}s: {', '.join(c.name for c in waiting)}"]
            for c in waiting:
                lines.append(f"  {c.name} (127.0.0.1:{c.port}): {c.not_ready_reason()}; last lines of {c.logfile}:")
                lines.extend("    " + line for line in c.log_tail(8).splitlines())
            raise SystemExit("\n".join(lines))
        time.sleep(0.5)


COMPONENTS: dict[str, Component] = {
    "kafka": kafka("kafka", KAFKA_PORT, sasl=KAFKA_SASL),
    # The test session's own broker: the running platform never sees the tests' records. Plaintext
    # on purpose: it holds only throwaway test records on loopback, every test uses groups of its
    # own, and the SASL rules are proved on a SASL broker by tests/kafka_security/.
    "kafka-test": kafka("kafka-test", TEST_KAFKA_PORT, sasl=False),
    "ferretdb": Component(
        name="ferretdb", port=MONGO_PORT, marker=str(FERRETDB_BIN), prepare=build_ferretdb,
        command=lambda: [str(FERRETDB_BIN), "-listen", f"127.0.0.1:{MONGO_PORT}", "-data", str(STATE / "ferretdb")],
        ready=mongo_answers,
    ),
    "smtp": Component(
        name="smtp", port=SMTP_PORT, marker="smtp_sink.py",
        command=lambda: [PYTHON, str(ROOT / "infra/local/smtp_sink.py"), "--port", str(SMTP_PORT),
                         "--maildir", str(STATE / "mail")],
        ready=lambda: port_open(SMTP_PORT),
    ),
    "dev-issuer": Component(
        name="dev-issuer", port=DEV_ISSUER_PORT, marker="dev_issuer.py",
        command=lambda: [PYTHON, str(ROOT / "infra/local/dev_issuer.py"), "--port", str(DEV_ISSUER_PORT),
                         "--state", str(STATE / "dev-issuer")],
        ready=lambda: port_open(DEV_ISSUER_PORT), env=lambda: {"SAMLA_ENVIRONMENT": "development"},
    ),
    "jaeger": Component(
        name="jaeger", port=JAEGER_UI_PORT, marker=str(JAEGER_BIN), prepare=build_jaeger,
        command=lambda: [str(JAEGER_BIN), "--config", str(JAEGER_HOME / "config.yaml")],
        ready=jaeger_answers, ready_timeout=60,
        # A soft memory ceiling for the Go runtime: the in-memory store is capped by max_traces anyway.
        env=lambda: {"GOMEMLIMIT": os.environ.get("SAMLA_JAEGER_MEMORY", "256MiB")},
    ),
    **{name: _service(name) for name in SERVICE_PORTS},
}
INFRASTRUCTURE = ["kafka", "ferretdb", "smtp"]
# Started by `up --tests` (and so by `make test`): the platform's broker is left to the platform.
TEST_INFRASTRUCTURE = ["kafka-test", "ferretdb", "smtp"]
# Started by `up --services`: the services trust its tokens (tests run an issuer of their own).
IDENTITY = ["dev-issuer"]
# Started by `up --services` only: the tests do not need a trace viewer.
VIEWER = ["jaeger"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status", "start", "stop"])
    parser.add_argument("names", nargs="*", help="components for start/stop")
    parser.add_argument("--services", action="store_true",
                        help="with up: also run the trace viewer and the four services")
    parser.add_argument("--no-viewer", action="store_true", help="with up --services: leave the trace viewer out")
    parser.add_argument("--tests", action="store_true",
                        help="with up: the test session's servers (its own Kafka broker, FerretDB, SMTP sink)")
    args = parser.parse_args()

    if args.action == "up":
        began = time.monotonic()
        names = TEST_INFRASTRUCTURE if args.tests else INFRASTRUCTURE
        if args.services:
            names = names + IDENTITY + ([] if args.no_viewer else VIEWER) + list(SERVICE_PORTS)
        # The services start side by side and are then awaited together: ready means each
        # answers 200 on /health/ready (its database and Kafka reached, its consumers assigned).
        for name in names:
            COMPONENTS[name].start(wait=name not in SERVICE_PORTS)
        services = [COMPONENTS[name] for name in names if name in SERVICE_PORTS]
        if services:
            log(f"waiting up to {SERVICES_READY_TIMEOUT:.0f}s for {', '.join(c.name for c in services)} "
                f"to answer 200 on /health/ready")
            wait_all_ready(services, SERVICES_READY_TIMEOUT)
        log(f"stack is up in {time.monotonic() - began:.1f}s")
        for name in names:
            print("  " + COMPONENTS[name].status())
        if "jaeger" in names:
            print(f"  traces: http://127.0.0.1:{JAEGER_UI_PORT}/ (OTLP http://127.0.0.1:{OTLP_HTTP_PORT})")
    elif args.action == "down":
        for name in reversed(list(COMPONENTS)):
            COMPONENTS[name].stop()
    elif args.action == "status":
        for component in COMPONENTS.values():
            print(component.status())
    else:
        if not args.names:
            parser.error(f"{args.action} needs component names: {', '.join(COMPONENTS)}")
        for name in args.names:
            getattr(COMPONENTS[name], args.action)()


if __name__ == "__main__":
    main()
