"""Reading the delivery log: what went out to whom, for the log's HTTP routes."""

from __future__ import annotations

from samla_notifications.adapters.ports import Criteria, DeliveryLogRepository
from samla_notifications.domain.deliveries import LoggedMail


class DeliveryLogView:
    """The delivery log as callers see it; `MailDelivery` is the one that writes it."""

    def __init__(self, log: DeliveryLogRepository) -> None:
        self._log = log

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[LoggedMail]:
        """Newest first; `filters` name fields and the value each must have (a list: any of them)."""
        return await self._log.search(filters, offset, limit)

    async def get(self, delivery_id: str) -> LoggedMail | None:
        return await self._log.get(delivery_id)
