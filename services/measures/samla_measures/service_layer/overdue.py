"""The periodic watch: announces overdue follow-ups and milestones, and finishes interrupted insight updates.

FerretDB v1 has no change streams or TTL triggers, so "a due date passed" is found by
looking: every few minutes the watch asks for active measures whose next follow-up date is
before today and that were not announced yet, and stages FollowUpOverdue for each under the
measure's lock (at most once per due date, marked in the same write).
"""

from __future__ import annotations

import logging
from datetime import datetime

from samla_shared.clock import local_today
from samla_shared.retry import run_periodically
from samla_measures.service_layer.insight_projection import InsightProjection
from samla_measures.service_layer.measures import MeasuresService
from samla_measures.service_layer.plans import Plans

log = logging.getLogger("samla.measures.watch")


class OverdueWatch:
    def __init__(self, measures: MeasuresService, projection: InsightProjection, *, interval: float,
                 plans: Plans | None = None) -> None:
        self.measures = measures
        self.projection = projection
        self.plans = plans
        self.interval = interval
        # Rounds finished since start: lets an operator (or a test) see that the watch is alive.
        self.rounds = 0

    async def scan(self, now: datetime | None = None) -> list[str]:
        """One pass: the ids of the measures announced as overdue now. `now` defaults to the service clock."""
        today = local_today(now or self.measures.clock())
        announced = []
        for measure_id in await self.measures.overdue_candidates(today):
            if await self.measures.announce_overdue(measure_id, today):
                announced.append(measure_id)
        if announced:
            log.info("announced %d overdue follow-up(s)", len(announced))
        return announced

    async def scan_plans(self, now: datetime | None = None) -> list[str]:
        """One pass over the progress plans: the ids of the milestones announced as overdue now."""
        if self.plans is None:
            return []
        today = local_today(now or self.measures.clock())
        announced = []
        for plan_id in await self.plans.overdue_candidates(today):
            announced += await self.plans.settle_milestones(plan_id, today)
        if announced:
            log.info("announced %d overdue milestone(s)", len(announced))
        return announced

    async def run(self) -> None:
        await run_periodically(self._round, every=self.interval, what="overdue watch", log=log)

    async def _round(self) -> None:
        await self.scan()
        await self.scan_plans()
        await self.projection.flush_stragglers()
        self.rounds += 1
