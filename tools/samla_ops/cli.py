"""samla-ops: look at and repair a Samla deployment from the command line.

    python -m samla_ops lag [--group G ...]                   consumer lag per group/topic/partition
    python -m samla_ops backlog [--service S ...]             pending outbox events per service (read-only)
    python -m samla_ops dlq list --topic T [--limit N]        dead letters with their reasons
    python -m samla_ops dlq replay --topic T --offsets 3,5    re-publish chosen dead letters to their topic
    python -m samla_ops rebuild roster|insight --yes          replay a projection from the beginning
                                                              (stop the owning service first)
    python -m samla_ops retention run [--enrollment URL]      anonymise applications of cohorts completed
           [--notifications URL]                              longer ago than the retention period, and expire
                                                              notifications' delivery log and webhook bodies
                                                              (idempotent)
    python -m samla_ops demo                                  load the demo region into the local stack
                                                              through the services' APIs (idempotent)

Kafka and MongoDB addresses come from --kafka/--mongo or SAMLA_KAFKA/SAMLA_MONGO, and
default to the local stack, whose broker the tool signs in to as its admin by itself
(credentials for others: SAMLA_OPS_KAFKA_*, see samla_ops.kafka.security). --json prints
machine-readable output. See docs/operations.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import httpx

from samla_ops import kafka, mongo
from samla_ops.demo import Demo, DemoRefused
from samla_ops.retention import run_retention
from samla_ops.config import PROJECTIONS, SERVICES

DEFAULT_KAFKA = "127.0.0.1:9092"
DEFAULT_MONGO = "mongodb://127.0.0.1:27017/?directConnection=true"
DEFAULT_ENROLLMENT = "http://127.0.0.1:8001"


def table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(nothing)"
    cells = [[str(row.get(c, "")) if row.get(c) is not None else "-" for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def emit(args: argparse.Namespace, rows: list[dict[str, Any]], columns: Sequence[str], footer: str = "") -> None:
    if args.json:
        print(json.dumps(rows, default=str, indent=1))
        return
    print(table(rows, columns))
    if footer:
        print(footer)


# -- commands ----------------------------------------------------------------------------------

async def cmd_lag(args: argparse.Namespace) -> int:
    rows = await kafka.consumer_lag(args.kafka, args.group or None, prefix="" if args.all else "samla-")
    out = [{"group": r.group, "topic": r.topic, "partition": r.partition, "committed": r.committed,
            "end": r.end, "lag": r.lag} for r in rows]
    total = sum(r.lag for r in rows)
    emit(args, out, ["group", "topic", "partition", "committed", "end", "lag"], f"total lag: {total}")
    return 0


async def cmd_backlog(args: argparse.Namespace) -> int:
    names = args.service or list(SERVICES)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise SystemExit(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    services = [SERVICES[n] for n in names]
    if args.database:
        if len(services) != 1:
            raise SystemExit("--database needs exactly one --service")
        services = [type(services[0])(**{**services[0].__dict__, "database": args.database})]
    rows = await mongo.outbox_backlog(args.mongo, services)
    out = [{"service": r.service, "database": next(s.database for s in services if s.name == r.service),
            "collection": r.collection, "documents": r.documents, "events": r.events,
            "oldest": r.oldest.isoformat() if r.oldest else None,
            "oldest_age_s": round(r.oldest_age_seconds, 1)} for r in rows]
    emit(args, out, ["service", "database", "collection", "documents", "events", "oldest", "oldest_age_s"],
         f"total pending events: {sum(r.events for r in rows)}")
    return 0


def parse_offsets(text: str) -> set[tuple[int, int]]:
    """'3,5' (partition 0) or '0:3,0:5' into {(partition, offset)}."""
    wanted = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        partition, _, offset = part.rpartition(":")
        wanted.add((int(partition or 0), int(offset)))
    return wanted


async def cmd_dlq_list(args: argparse.Namespace) -> int:
    letters = await kafka.read_dead_letters(args.kafka, args.topic, limit=args.limit)
    rows = [letter.summary() for letter in letters]
    if not args.json:  # keep a table line readable; --json has everything
        for row in rows:
            row["value"] = row["value"][:60]
            row["reason"] = (row["reason"] or "")[:90]
    emit(args, rows, ["partition", "offset", "key", "ce_type", "consumer", "failed_at", "reason", "original"],
         f"{len(rows)} dead letter(s) on {kafka.dlq_topic(args.topic)}")
    return 0


async def cmd_dlq_replay(args: argparse.Namespace) -> int:
    wanted = parse_offsets(args.offsets)
    letters = await kafka.read_dead_letters(args.kafka, args.topic, wanted=wanted)
    missing = wanted - {(d.partition, d.offset) for d in letters}
    if missing:
        raise SystemExit(f"no dead letter at {', '.join(f'{p}:{o}' for p, o in sorted(missing))} "
                         f"on {kafka.dlq_topic(args.topic)}")
    if args.dry_run:
        emit(args, [d.summary() for d in letters], ["partition", "offset", "key", "ce_type", "original", "reason"],
             "dry run: nothing published")
        return 0
    written = await kafka.replay(args.kafka, letters)
    rows = [{"dlq_offset": f"{d.partition}:{d.offset}", "ce_id": d.header("ce_id"), "topic": t, "partition": p,
             "offset": o} for d, (t, p, o) in zip(letters, written)]
    emit(args, rows, ["dlq_offset", "ce_id", "topic", "partition", "offset"], f"replayed {len(rows)} record(s)")
    return 0


async def cmd_rebuild(args: argparse.Namespace) -> int:
    projection = PROJECTIONS[args.projection]
    service = SERVICES[projection.service]
    group = args.group or service.consumer_group
    database = args.database or service.database
    plan = (f"rebuild {projection.name}: reset consumer group {group} to the beginning of "
            f"{', '.join(projection.topics)} and drop {', '.join(projection.collections)} in {database}")
    if not args.yes:
        print(plan)
        print(f"The {service.name} service must be stopped first. Run again with --yes to do it.")
        return 2
    try:
        starts = await kafka.reset_to_beginning(args.kafka, group, projection.topics)
    except kafka.GroupIsActive as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    dropped = await mongo.drop_projection(args.mongo, database, projection)
    result = {"projection": projection.name, "group": group, "database": database,
              "reset": {f"{tp.topic}[{tp.partition}]": offset for tp, offset in sorted(starts.items())},
              "dropped": dropped}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(plan + ": done")
        print(f"dropped documents: {dropped}; start {service.name} again and it rebuilds {projection.name} "
              "from the retained events (watch `lag` fall to 0)")
    return 0


async def cmd_retention(args: argparse.Namespace) -> int:
    token = os.environ.get("SAMLA_ADMIN_TOKEN")
    result = await run_retention(args.enrollment, token=token)
    if args.notifications:
        # The delivery log (addresses) and webhook bodies expire in notifications, at the same path.
        result["notifications"] = await run_retention(args.notifications, token=token)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"anonymised {result['applications']} application(s) of {result['cohorts']} cohort(s) "
              "past the retention period")
        if args.notifications:
            done = result["notifications"]
            print(f"notifications: deleted {done['mail_records']} mail-log record(s) and "
                  f"{done['webhook_deliveries']} webhook delivery record(s), dropped {done['webhook_bodies']} "
                  "webhook body(ies)")
    return 0


async def cmd_demo(args: argparse.Namespace) -> int:
    try:
        done = await Demo(args.enrollment, args.sessions, args.measures, args.issuer).run()
    except (DemoRefused, httpx.HTTPError) as exc:
        print(f"error: the demo region could not be loaded: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(done, indent=1))
    else:
        print("\n".join(f"added {what}" for what in done) if done else "the demo region is already loaded")
        print("open http://127.0.0.1:8000 and sign in as one of the demo people")
    return 0


# -- arguments ---------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="samla-ops", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--kafka", default=os.environ.get("SAMLA_KAFKA", DEFAULT_KAFKA), help="bootstrap servers")
    root.add_argument("--mongo", default=os.environ.get("SAMLA_MONGO", DEFAULT_MONGO), help="MongoDB URL")
    root.add_argument("--json", action="store_true", help="machine-readable output")
    commands = root.add_subparsers(dest="command", required=True)

    lag = commands.add_parser("lag", help="consumer lag per group, topic and partition")
    lag.add_argument("--group", action="append", help="only this group (repeatable)")
    lag.add_argument("--all", action="store_true", help="every group, not only samla-*")
    lag.set_defaults(run=cmd_lag)

    backlog = commands.add_parser("backlog", help="pending outbox events per service (read-only)")
    backlog.add_argument("--service", action="append", help=f"one of {', '.join(SERVICES)} (repeatable)")
    backlog.add_argument("--database", help="read this database instead of the service's usual one")
    backlog.set_defaults(run=cmd_backlog)

    dlq = commands.add_parser("dlq", help="dead letters").add_subparsers(dest="dlq_command", required=True)
    listing = dlq.add_parser("list", help="dead letters of a topic with their reasons")
    listing.add_argument("--topic", required=True, help="a topic or its .dlq")
    listing.add_argument("--limit", type=int, help="only the last N")
    listing.set_defaults(run=cmd_dlq_list)
    again = dlq.add_parser("replay", help="re-publish chosen dead letters to their original topic")
    again.add_argument("--topic", required=True, help="a topic or its .dlq")
    again.add_argument("--offsets", required=True, help="DLQ offsets: 3,5 or partition:offset pairs 0:3,0:5")
    again.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    again.set_defaults(run=cmd_dlq_replay)

    rebuild = commands.add_parser("rebuild", help="replay a projection from the beginning (service stopped)")
    rebuild.add_argument("projection", choices=sorted(PROJECTIONS))
    rebuild.add_argument("--group", help="consumer group (default: the service's)")
    rebuild.add_argument("--database", help="database (default: the service's)")
    rebuild.add_argument("--yes", action="store_true", help="do it (without: only print the plan)")
    rebuild.set_defaults(run=cmd_rebuild)

    retention = commands.add_parser("retention", help="personal data retention").add_subparsers(
        dest="retention_command", required=True)
    run = retention.add_parser("run", help="anonymise applications of cohorts completed longer ago than the "
                                           "retention period, now (idempotent; a platform-admin token is read "
                                           "from SAMLA_ADMIN_TOKEN)")
    run.add_argument("--enrollment", default=os.environ.get("SAMLA_ENROLLMENT_URL", DEFAULT_ENROLLMENT),
                     help="the enrollment service's base URL")
    run.add_argument("--notifications", default=os.environ.get("SAMLA_NOTIFICATIONS_URL"),
                     help="also expire the notifications service's delivery log and webhook bodies (its base URL)")
    run.set_defaults(run=cmd_retention)

    demo = commands.add_parser("demo", help="load the demo region through the services' APIs (local stack only: "
                                            "the development issuer mints each demo person's token; idempotent)")
    for name, port in (("enrollment", 8001), ("sessions", 8002), ("measures", 8003)):
        demo.add_argument(f"--{name}", default=os.environ.get(f"SAMLA_{name.upper()}_URL", f"http://127.0.0.1:{port}"),
                          help=f"the {name} service's base URL")
    demo.add_argument("--issuer", default=os.environ.get("SAMLA_DEV_ISSUER_URL", "http://127.0.0.1:8090/dev-issuer"),
                      help="the development issuer (its /tokens mint API)")
    demo.set_defaults(run=cmd_demo)
    return root


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        code = asyncio.run(args.run(args))
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()
