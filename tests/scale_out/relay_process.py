"""One outbox relay holding a lease, as a process of its own (so a test can SIGKILL or SIGSTOP it).

    python -m tests.scale_out.relay_process MONGO_URL DATABASE COLLECTION KAFKA LEASE_SECONDS PUBLISH_DELAY

PUBLISH_DELAY (seconds per record) stands for a slow broker, so that a round is still
publishing when the test kills the process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from samla_shared.messaging.relay import OutboxRelay
from samla_shared.persistence.lease import Lease


async def main(mongo_url: str, database: str, collection: str, bootstrap: str, lease_seconds: float,
               delay: float) -> None:
    mongo: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()

    async def publish(topic: str, key: bytes, value: bytes, headers: dict[str, str]) -> asyncio.Future:
        await asyncio.sleep(delay)
        return await producer.send(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])

    db = mongo[database]
    # One document per round: many short rounds, each renewing the lease and checking the fence.
    relay = OutboxRelay(db, [collection], publish, service="scale-out", batch_documents=1,
                        lease=Lease(db, "outbox-relay", seconds=lease_seconds))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, relay.stop)
    try:
        await relay.run()
    finally:
        await producer.stop()
        await mongo.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    url, database, collection, bootstrap, seconds, delay = sys.argv[1:7]
    asyncio.run(main(url, database, collection, bootstrap, float(seconds), float(delay)))
