"""A minimal integrator: consumes Samla's events with plain aiokafka, using only the public contract.

It checks each record's CloudEvents headers, validates the data against the published JSON
Schema for its `ce_type` and version (docs/schemas/), and continues the producer's trace
from the `traceparent` header. Nothing from Samla's code is imported.

    python examples/integrator/integrator_consumer.py --bootstrap 127.0.0.1:9092 --group my-hr-system

Against a broker with ACLs (compose, production) an integrator reads its network's own
topics, as its own principal, with consumer groups named integrator/<network>/…:

    python examples/integrator/integrator_consumer.py --bootstrap 127.0.0.1:9092 --network vestland \
        --username integrator-vestland --password "$PASSWORD" --group integrator/vestland/my-hr-system
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator
from opentelemetry import trace
from opentelemetry.propagate import extract

SCHEMAS = Path(__file__).resolve().parents[2] / "docs/schemas"
TOPICS = ("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")



def network_topics(network: str) -> tuple[str, ...]:
    """The network's own copies of the three topics (docs/security.md, "per-network access")."""
    return tuple(f"samla.net.{network}.{topic.removeprefix('samla.')}" for topic in TOPICS)


REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type")

tracer = trace.get_tracer("example-integrator")


@dataclass
class Received:
    topic: str
    key: str
    event_type: str
    event_id: str
    data: dict
    trace_id: str | None


class ContractViolation(ValueError):
    pass


def load_validators(directory: Path = SCHEMAS) -> dict[tuple[str, int], Draft202012Validator]:
    validators = {}
    for path in directory.glob("*.v*.json"):
        name, version = path.name.removesuffix(".json").split(".v")
        validators[(name, int(version))] = Draft202012Validator(json.loads(path.read_text()))
    return validators


def check(headers: dict[str, str], value: bytes, validators: dict) -> dict:
    missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
    if missing:
        raise ContractViolation(f"missing headers {missing}")
    if headers["ce_specversion"] != "1.0" or headers["content-type"] != "application/json":
        raise ContractViolation("not a CloudEvents 1.0 JSON record")
    data = json.loads(value)
    validator = validators.get((headers["ce_type"], data.get("schema_version")))
    if validator is None:
        raise ContractViolation(f"no published schema for {headers['ce_type']} v{data.get('schema_version')}")
    errors = sorted(validator.iter_errors(data), key=str)
    if errors:
        raise ContractViolation(f"{headers['ce_type']}: {errors[0].message}")
    return data


async def consume(bootstrap: str, group: str, topics: Iterable[str] = TOPICS, *, offset_reset: str = "latest",
                  limit: int | None = None, timeout_s: float | None = None,
                  assigned: asyncio.Event | None = None,
                  stop_when: Callable[[Received], bool] | None = None,
                  sasl: tuple[str, str] | None = None) -> list[Received]:
    """Receive, verify and hand on events.

    Stops after `limit` events, after `timeout_s` seconds, or once `stop_when` accepts an event.
    """
    validators = load_validators()
    # sasl: (username, password) of the integrator's principal (SCRAM-SHA-512; SASL_SSL in production).
    security = ({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                 "sasl_plain_username": sasl[0], "sasl_plain_password": sasl[1]} if sasl else {})
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset=offset_reset, enable_auto_commit=False, **security)
    received: list[Received] = []
    await consumer.start()
    try:
        deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
        while (limit is None or len(received) < limit) and (
                deadline is None or asyncio.get_running_loop().time() < deadline):
            batch = await consumer.getmany(timeout_ms=500)
            if assigned is not None and consumer.assignment():
                assigned.set()
            for records in batch.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    data = check(headers, record.value, validators)
                    # Continue the producer's trace: our processing becomes a child of its span.
                    with tracer.start_as_current_span(f"{record.topic} process", context=extract(headers),
                                                      kind=trace.SpanKind.CONSUMER) as span:
                        context = span.get_span_context()
                        received.append(Received(
                            topic=record.topic, key=(record.key or b"").decode(), event_type=headers["ce_type"],
                            event_id=headers["ce_id"], data=data,
                            trace_id=format(context.trace_id, "032x") if context.is_valid else None))
            await consumer.commit()
            if stop_when is not None and any(stop_when(event) for event in received):
                break
    finally:
        await consumer.stop()
    return received


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--group", default="example-integrator")
    parser.add_argument("--network", help="read this network's own topics (what an integrator may read)")
    parser.add_argument("--username", help="the integrator's Kafka principal, e.g. integrator-<network>")
    parser.add_argument("--password")
    args = parser.parse_args()
    topics = network_topics(args.network) if args.network else TOPICS
    sasl = (args.username, args.password) if args.username else None
    for event in asyncio.run(consume(args.bootstrap, args.group, topics, sasl=sasl)):
        print(event.event_type, event.key, event.trace_id)


if __name__ == "__main__":
    main()
