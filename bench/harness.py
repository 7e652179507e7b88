"""A tiny benchmark harness: each benchmark measures Samla and a baseline side by side in one run.

Timings are never asserted; they are printed as ratios and written to docs/benchmarks.md.
A benchmark module exposes `async def run(ctx: BenchContext) -> list[Figure]`.
"""

from __future__ import annotations

import socket
import statistics
import time
from dataclasses import dataclass, field


# The services check bearer tokens: run.py starts the development issuer in this process,
# points the services' settings at it through the environment, and fills this with a
# platform-admin token that every benchmark client sends (Samla's side pays for the check).
AUTH_HEADERS: dict[str, str] = {}


@dataclass
class Figure:
    """One named result row of a benchmark."""

    benchmark: str
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class BenchContext:
    kafka: str
    mongo_url: str
    scale: float = 1.0  # BENCH_SCALE < 1 shrinks workloads for a quick look
    figures: list[Figure] = field(default_factory=list)

    def scaled(self, n: int) -> int:
        return max(1, int(n * self.scale))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def latency_figures(benchmark: str, label: str, seconds: list[float]) -> list[Figure]:
    return [
        Figure(benchmark, f"{label} p50", percentile(seconds, 50) * 1000, "ms"),
        Figure(benchmark, f"{label} p99", percentile(seconds, 99) * 1000, "ms"),
        Figure(benchmark, f"{label} mean", statistics.fmean(seconds) * 1000 if seconds else float("nan"), "ms"),
    ]


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


def free_port() -> int:
    """A loopback port nobody listens on, for a server a benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
