"""`make bench`: run every benchmark against the real stack and write docs/benchmarks.md.

    python bench/run.py [NAME ...]      (default: all)   BENCH_SCALE=0.2 for a quick look
"""

from __future__ import annotations

import asyncio
import importlib
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "infra/local"))

from dev_issuer import ThreadedIssuer  # noqa: E402
from harness import AUTH_HEADERS, BenchContext  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def trust_a_development_issuer() -> None:
    """Services built by the benchmarks (in process or as subprocesses) trust this issuer."""
    issuer = ThreadedIssuer(Path(tempfile.mkdtemp(prefix="samla-bench-issuer-"))).start()
    prefixes = ["ENROLLMENT", "SESSIONS", "MEASURES", "NOTIFICATIONS"]
    os.environ.update(issuer.settings_environment(prefixes))
    os.environ.setdefault("SAMLA_ENVIRONMENT", "test")
    # One admin token for a whole run, longer than production's one-hour limit allows.
    os.environ.update({f"{prefix}_AUTH_MAX_TOKEN_LIFETIME_SECONDS": str(13 * 3600) for prefix in prefixes})
    token = issuer.mint("bench-admin", roles=["platform_admin"], expires_in=12 * 3600)
    AUTH_HEADERS["Authorization"] = f"Bearer {token}"
BENCHMARKS = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


async def main(names: list[str]) -> None:
    trust_a_development_issuer()
    ctx = BenchContext(
        # The tests' own plaintext broker (make test-stack), not the platform's, which requires SASL
        # and whose running services would consume the benchmarks' records.
        kafka=os.environ.get("SAMLA_TEST_KAFKA", f"127.0.0.1:{os.environ.get('SAMLA_TEST_KAFKA_PORT', '19192')}"),
        mongo_url=os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true"),
        scale=float(os.environ.get("BENCH_SCALE", "1")),
    )
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench_{name}")
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        figures = await module.run(ctx)
        for f in figures:
            print(f"   {f.name:55} {f.value:12.2f} {f.unit:8} {f.note}", flush=True)
        ctx.figures.extend(figures)
    write_report(ctx)


def previous_sections(report: Path) -> dict[str, list[str]]:
    """The sections of the last report, by benchmark name, so a partial run keeps the others."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in report.read_text().splitlines() if report.exists() else []:
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        if current is not None:
            current.append(line)
    return sections


def write_report(ctx: BenchContext) -> None:
    report = ROOT / "docs/benchmarks.md"
    report.parent.mkdir(exist_ok=True)
    kept = previous_sections(report)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench`. Each benchmark runs Samla and its baseline side by side in the same run",
        "on the same machine, and reports the ratio; absolute figures vary with the machine's load.",
        "",
        f"Machine: {platform.node() or 'unknown'}, {os.cpu_count()} cores, Python {platform.python_version()}."
        " `python bench/run.py NAME` reruns one benchmark and keeps the others' last figures.",
        "",
    ]
    for name in BENCHMARKS:
        rows = [f for f in ctx.figures if f.benchmark == name]
        if not rows:
            # Not run this time: keep the figures of its last run, which carry their own date.
            lines += kept.get(name, [])
            continue
        module = importlib.import_module(f"bench_{name}")
        lines += [f"## {name}", "", f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {ctx.scale}.", "",
                  module.__doc__.strip(), "", "| figure | value | unit | note |",
                  "| --- | ---: | --- | --- |"]
        lines += [f"| {f.name} | {f.value:.2f} | {f.unit} | {f.note} |" for f in rows]
        lines.append("")
    report.write_text("\n".join(lines))
    print(f"wrote {report.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
