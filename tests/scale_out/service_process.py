"""A service as a real uvicorn process (so it can be SIGKILLed); tests.support.kafka.group_members tells
what its consumer group looks like."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    def __init__(self, name: str, settings: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        prefix = f"{name.upper()}_"
        self.env = {**os.environ, f"{prefix}ENVIRONMENT": "test", f"{prefix}OTLP_ENDPOINT": "",
                    **{prefix + key.upper(): value for key, value in settings.items()}}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", f"samla_{self.name}.entrypoints.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT)

    async def ready(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{self.url}/health/ready", timeout=5)).status_code == 200
        except httpx.HTTPError:
            return False

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of a Prometheus metric's samples with these labels, from the process's /metrics."""
        token = os.environ["SAMLA_ADMIN_TOKEN"]  # set by the root conftest; /metrics is for ops and admins
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
            text = (await client.get(f"{self.url}/metrics", timeout=5)).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def electing_instances(name: str, settings: dict[str, str], logs: Path, *, lease_seconds: float,
                       count: int = 2) -> list[ServiceProcess]:
    """`count` processes of one service on the same `settings` (database, consumer group) that elect
    their writer with a lease, each giving its own address for the others to forward writes to."""
    processes = []
    for n in range(1, count + 1):
        process = ServiceProcess(name, {**settings, "writer_lease_seconds": str(lease_seconds)},
                                 logs / f"{name}-{n}.log")
        process.env[f"{name.upper()}_INSTANCE_URL"] = process.url
        processes.append(process)
    return processes


async def start_writer_then_standbys(processes: list[ServiceProcess], wait_until: Any) -> None:
    """Start them one after another, each ready before the next: the first one up is the writer."""
    for process in processes:
        process.start()
        await wait_until(process.ready, timeout=120, interval=0.5)
