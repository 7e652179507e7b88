"""A regional Kafka, a national Kafka and one MirrorMaker 2 between them, for the federation tests.

The shared stack on 9092 carries every helper's test traffic, so mirroring it would copy
all of that into the national view; the region here gets a Kafka of its own instead
(region `west`, 39092), and the national cluster another (29092). Both are single-node
KRaft brokers started by `infra/local/stack.py` from their own state folders, reusing the
jars of the main stack; MirrorMaker 2 runs from the same jars in dedicated mode
(`infra/federation/federation.py`). The services run in the test process against the shared
FerretDB. Every run starts from empty clusters, so the national view holds only this run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAIN_STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
STATE = Path(os.environ.get("SAMLA_FEDERATION_STATE", "/tmp/samla-federation"))
REGION = "west"
REGION_PORT = int(os.environ.get("SAMLA_FEDERATION_REGION_PORT", "39092"))
NATIONAL_PORT = int(os.environ.get("SAMLA_FEDERATION_NATIONAL_PORT", "29092"))


def kafka_lib(state: Path = STATE) -> Path:
    """The jars, as links in a folder of this run's own.

    stack.py re-resolves a jar folder whose stamp is older than this checkout's pom.xml, and
    it empties the folder first: pointed at the main stack's folder from a fresh checkout,
    it would delete the jars under the running shared broker. Links made afresh on every run,
    with a fresh stamp, reuse the jars and leave that folder alone; a links folder kept from
    an earlier checkout would carry a stamp older than this pom.xml and be re-resolved.
    """
    source = Path(os.environ.get("SAMLA_KAFKA_LIB", MAIN_STATE / "kafka-lib"))
    if not (source / ".resolved").exists():
        return source  # no jars yet: stack.py resolves them into the main stack's folder as usual
    links = state / "kafka-lib"
    if not (links / ".resolved").exists():
        links.mkdir(parents=True, exist_ok=True)
        for jar in source.glob("*.jar"):
            (links / jar.name).symlink_to(jar.resolve())
        (links / ".resolved").touch()
    return links


@dataclass
class Cluster:
    name: str
    port: int
    state: Path = field(init=False)

    def __post_init__(self) -> None:
        self.state = STATE / self.name

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        # Plaintext, like the tests' own broker: throwaway clusters on loopback (docs/security.md).
        return {**os.environ, "SAMLA_STACK_DIR": str(self.state), "SAMLA_KAFKA_PORT": str(self.port),
                "SAMLA_KAFKA_LIB": str(kafka_lib()), "SAMLA_KAFKA_SASL": "0"}

    def run(self, action: str) -> None:
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), action, "kafka"], env=self.env(),
                       check=True, stdout=sys.stderr)

    async def start(self) -> None:
        await asyncio.to_thread(self.run, "start")

    async def stop(self) -> None:
        await asyncio.to_thread(self.run, "stop")


class MirrorMaker:
    """One MirrorMaker 2 process (dedicated mode) copying the region into the national cluster."""

    # Read before the state is wiped: a MirrorMaker left by a killed run would otherwise go on
    # copying into the next run's national cluster beside the new one.
    pidfile = STATE / "mirror-maker.pid"

    def __init__(self, region: Cluster, national: Cluster) -> None:
        self.region, self.national = region, national
        self.state = STATE / "mirror-maker"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        env = {**self.region.env(), "SAMLA_STACK_DIR": str(self.state)}
        with (self.state / "mirror-maker.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "infra/federation/federation.py"), self.region.name, self.region.bootstrap,
                 self.national.bootstrap], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.pidfile.write_text(str(self.process.pid))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.pidfile.unlink(missing_ok=True)

    @classmethod
    def stop_leftover(cls) -> None:
        """Stop the MirrorMaker of a run that was killed; init, not us, reaps it."""
        if not cls.pidfile.exists():
            return
        pid = int(cls.pidfile.read_text())
        try:  # the pid may since have gone to another process: signal only a MirrorMaker of ours
            ours = str(STATE) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except FileNotFoundError:
            ours = False
        if not ours:
            cls.pidfile.unlink()
            return
        for sent, grace in ((signal.SIGTERM, 30.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sent)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                try:
                    os.killpg(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.2)
        cls.pidfile.unlink()

    def log_tail(self, lines: int = 30) -> str:
        path = self.state / "mirror-maker.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@dataclass
class Federation:
    region: Cluster
    national: Cluster
    mirror: MirrorMaker


async def start_federation() -> Federation:
    MirrorMaker.stop_leftover()
    for leftover in (Cluster(REGION, REGION_PORT), Cluster("national", NATIONAL_PORT)):
        await leftover.stop()  # a previous run that was killed before its teardown
    shutil.rmtree(STATE, ignore_errors=True)
    kafka_lib()  # made once, before two starts read it at the same time
    region, national = Cluster(REGION, REGION_PORT), Cluster("national", NATIONAL_PORT)
    began = time.monotonic()
    await asyncio.gather(region.start(), national.start())
    mirror = MirrorMaker(region, national)
    mirror.start()
    print(f"federation: two clusters and MirrorMaker 2 started in {time.monotonic() - began:.0f}s", file=sys.stderr)
    return Federation(region, national, mirror)


async def stop_federation(federation: Federation) -> None:
    federation.mirror.stop()
    await asyncio.gather(federation.region.stop(), federation.national.stop())
