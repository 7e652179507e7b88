"""The indexes notifications' queries rely on, created once the database is ready (the runtime's
`on_database_ready`). Each store names its own; this is the one list of them."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from samla_notifications.adapters.delivery_log import ensure_delivery_log_indexes
from samla_notifications.adapters.read_model import ensure_read_model_indexes
from samla_notifications.adapters.reminder_store import ensure_reminder_indexes
from samla_notifications.adapters.webhook_store import ensure_webhook_indexes


async def ensure_indexes(db: AsyncDatabase) -> None:
    await ensure_read_model_indexes(db)
    await ensure_delivery_log_indexes(db)
    await ensure_reminder_indexes(db)
    await ensure_webhook_indexes(db)
