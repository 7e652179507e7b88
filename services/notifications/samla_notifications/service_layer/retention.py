"""Retention of the delivery log and of webhook bodies: a periodic round, and one on request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from samla_shared.retry import run_periodically
from samla_notifications.adapters.ports import RetentionRepository

log = logging.getLogger("samla.notifications.retention")


@dataclass(frozen=True)
class RetentionRound:
    mail_records: int  # mail-log records deleted (with the addresses they held)
    webhook_bodies: int  # webhook deliveries whose event copy was dropped
    webhook_deliveries: int  # webhook delivery records deleted


class Retention:
    def __init__(self, store: RetentionRepository, *, delivery_log: timedelta, webhook_bodies: timedelta,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._delivery_log = delivery_log
        self._webhook_bodies = webhook_bodies
        self._now = now

    async def run_once(self) -> RetentionRound:
        now = self._now()
        return RetentionRound(
            mail_records=await self._store.forget_mail_before(now - self._delivery_log),
            webhook_bodies=await self._store.forget_webhook_bodies_before(now - self._webhook_bodies),
            webhook_deliveries=await self._store.forget_webhook_deliveries_before(now - self._delivery_log),
        )

    async def run(self, interval_seconds: float) -> None:
        async def round_() -> None:
            done = await self.run_once()
            if any(vars(done).values()):
                log.info("retention: %s", done)

        await run_periodically(round_, every=interval_seconds, what="retention", log=log)
