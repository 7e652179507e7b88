"""The fault tests' own Kafka and FerretDB (tests.support.kafka reads and writes their records).

The shared stack on the default ports serves everybody's tests, so it is never touched
here: `infra/local/stack.py` starts a second one from its own state folder on other
ports (Kafka 19092/19093, FerretDB 27018, SMTP 1026), reusing the Kafka jars and the
FerretDB binary the first one already has. The services run in this process against it
(or as real uvicorn processes where a test kills one).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pymongo import AsyncMongoClient

ROOT = Path(__file__).resolve().parents[2]
MAIN_STATE = Path(os.environ.get("SAMLA_STACK_DIR", ROOT / ".stack"))
STATE = Path(os.environ.get("SAMLA_FAULT_STACK_DIR", "/tmp/samla-fault-stack"))
KAFKA_PORT = int(os.environ.get("SAMLA_FAULT_KAFKA_PORT", "19092"))
MONGO_PORT = int(os.environ.get("SAMLA_FAULT_MONGO_PORT", "27018"))
SMTP_PORT = int(os.environ.get("SAMLA_FAULT_SMTP_PORT", "1026"))


@dataclass
class FaultStack:
    """The fault tests' own servers, and the switches to stop and start them."""

    kafka: str = f"127.0.0.1:{KAFKA_PORT}"
    mongo: str = f"mongodb://127.0.0.1:{MONGO_PORT}/?directConnection=true"

    @staticmethod
    def env() -> dict[str, str]:
        # Plaintext, like the tests' own broker: a throwaway one on loopback (docs/security.md).
        env = {**os.environ, "SAMLA_STACK_DIR": str(STATE), "SAMLA_KAFKA_PORT": str(KAFKA_PORT),
               "SAMLA_MONGO_PORT": str(MONGO_PORT), "SAMLA_SMTP_PORT": str(SMTP_PORT), "SAMLA_KAFKA_SASL": "0"}
        # Share what the main stack already downloaded and built (no second Maven/Go run).
        if (MAIN_STATE / "kafka-lib/.resolved").exists():
            env.setdefault("SAMLA_KAFKA_LIB", str(MAIN_STATE / "kafka-lib"))
        if (MAIN_STATE / "bin/ferretdb").exists():
            env.setdefault("SAMLA_FERRETDB_BIN", str(MAIN_STATE / "bin/ferretdb"))
        return env

    def run(self, *args: str) -> None:
        subprocess.run([sys.executable, str(ROOT / "infra/local/stack.py"), *args], env=self.env(), check=True,
                       stdout=sys.stderr)

    async def stop(self, name: str) -> None:
        await asyncio.to_thread(self.run, "stop", name)

    async def start(self, name: str) -> None:
        await asyncio.to_thread(self.run, "start", name)


async def drop_database(mongo_url: str, database: str) -> None:
    mongo: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=10000)
    try:
        await mongo.drop_database(database)
    finally:
        await mongo.close()
