"""Flame graphs of the measures_insight benchmark's two measured paths, sampled with py-spy.

    .venv/bin/pip install py-spy
    .venv/bin/python bench/profile_measures_insight.py [SECONDS]     (default 20 per path)

Seeds the network exactly as `bench/run.py measures_insight` does (bench_measures_insight.seeded),
then, with py-spy attached to this process, runs each path for SECONDS as the benchmark runs it:
POST /measures/{id}/follow-ups by 8 concurrent writers on distinct measures, written to
docs/profiles/measures_follow_up.svg, and GET /networks/{id}/insight one after another, written to
docs/profiles/measures_insight.svg. Attaching after the seeding keeps its 100 s out of the graphs.
Everything runs on one event loop (client, app and driver), as in the benchmark.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "infra/local"))

from bench_measures_insight import WRITERS, active_indicators, seeded  # noqa: E402
from harness import BenchContext  # noqa: E402
from run import trust_a_development_issuer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PY_SPY = Path(sys.executable).parent / "py-spy"


async def sampled(name: str, seconds: float, workload: Any) -> None:
    """Run `workload()` over and over while py-spy samples this process for `seconds`."""
    out = ROOT / "docs/profiles" / f"{name}.svg"
    spy = subprocess.Popen([str(PY_SPY), "record", "--rate", "200", "--pid", str(os.getpid()),
                            "--duration", str(int(seconds)), "--format", "flamegraph", "-o", str(out)])
    await asyncio.sleep(1.0)  # py-spy attaches
    done = 0
    began = time.perf_counter()
    while spy.poll() is None:
        done += await workload()
    elapsed = time.perf_counter() - began
    print(f"   {name}: {done} requests in {elapsed:.1f} s while sampled ({done / elapsed:.0f}/s) -> {out}", flush=True)


async def main(seconds: float) -> None:
    trust_a_development_issuer()
    ctx = BenchContext(kafka=os.environ.get("SAMLA_TEST_KAFKA", "127.0.0.1:9092"),
                       mongo_url=os.environ.get("SAMLA_TEST_MONGO", "mongodb://127.0.0.1:27017/?directConnection=true"),
                       scale=float(os.environ.get("BENCH_SCALE", "1")))
    async with seeded(ctx) as s:
        active, indicator_of = await active_indicators(s)
        today = s.app.state.measures.today().isoformat()
        cursor = 0

        async def follow_ups() -> int:
            nonlocal cursor
            targets = [active[(cursor + k) % len(active)] for k in range(WRITERS * 4)]
            cursor += len(targets)
            queue = list(targets)

            async def writer() -> None:
                while queue:
                    m = queue.pop()
                    response = await s.client.post(f"/measures/{m}/follow-ups", json={
                        "held_on": today, "in_practice": True, "worked": "Faste samtaler",
                        "readings": [{"indicator_id": indicator_of[m], "value": 7.0}]})
                    assert response.status_code in (201, 503), response.text

            await asyncio.gather(*(writer() for _ in range(WRITERS)))
            return len(targets)

        async def insight_reads() -> int:
            for _ in range(20):
                assert (await s.client.get(f"/networks/{s.network_id}/insight")).status_code == 200
            return 20

        await sampled("measures_insight", seconds, insight_reads)
        await sampled("measures_follow_up", seconds, follow_ups)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0))
