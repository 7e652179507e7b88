"""A Kafka broker of these tests' own that requires SASL and applies compose's ACLs.

The tests' shared broker (kafka-test) is plaintext on purpose (docs/security.md); these
tests need a broker that authenticates and authorises, with principals made for the run.
It is the platform's broker exactly as `make up` starts it: `infra/local/stack.py start kafka`
with its defaults (no SAMLA_KAFKA_SASL), from a state folder of its own, wiped on every
run, on its own port.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.federation.federation_stack import kafka_lib

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("SAMLA_KAFKA_SECURITY_STATE", "/tmp/samla-kafka-security"))
# Below the ephemeral range (32768+), where a client's outgoing connection could hold the port.
PORT = int(os.environ.get("SAMLA_KAFKA_SECURITY_PORT", "29492"))

sys.path.insert(0, str(ROOT / "infra/local"))
import kafka_auth  # noqa: E402  (infra/local is not a package)


@dataclass
class SaslBroker:
    port: int
    state: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def home(self) -> Path:
        return self.state / f"kafka-{self.port}"

    def env(self) -> dict[str, str]:
        # No SAMLA_KAFKA_SASL: stack.py's default, the broker `make up` runs, is what is tested.
        inherited = {k: v for k, v in os.environ.items() if k != "SAMLA_KAFKA_SASL"}
        return {**inherited, "SAMLA_STACK_DIR": str(self.state), "SAMLA_KAFKA_PORT": str(self.port),
                "SAMLA_KAFKA_LIB": str(kafka_lib(self.state))}

    def stack(self, *args: str) -> None:
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), *args], env=self.env(), check=True)

    def options(self, principal: str) -> dict[str, Any]:
        return kafka_auth.client_options(self.home, principal)

    def add_integrator(self, network: str, password: str) -> str:
        """What an operator does for a network's integrator (compose: kafka-integrator.sh)."""
        code = ("import sys; sys.path.insert(0, 'infra/local'); import stack; "
                f"print(stack.add_integrator({self.port}, {network!r}, {password!r}))")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True,
                             capture_output=True, text=True)
        return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def sasl_broker() -> Iterator[SaslBroker]:
    STATE.parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{STATE}.lock", "w")  # noqa: SIM115 (held for the whole session: one run owns the port)
    fcntl.flock(lock, fcntl.LOCK_EX)
    broker = SaslBroker(PORT, STATE)
    if broker.state.exists():
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), "stop", "kafka"], env=broker.env())
    shutil.rmtree(STATE, ignore_errors=True)
    broker.stack("start", "kafka")
    try:
        yield broker
    finally:
        broker.stack("stop", "kafka")
        lock.close()
