"""Expiring what notifications keeps about past deliveries: the mail log and webhook bodies.

The mail log holds recipients' addresses and the webhook deliveries hold copies of events;
neither may be kept forever (docs/privacy.md). Each document is changed under its own lock,
exactly as the senders change it, so an expiry never undoes a concurrent write (FerretDB v1
updates are read-modify-write). The filters scan their collections; retention runs hourly
in the background, so that cost stays off every request.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.adapters.delivery_log import COLLECTION as MAIL_LOG
from samla_notifications.adapters.webhook_store import DELIVERIES as WEBHOOK_DELIVERIES
from samla_notifications.domain.deliveries import DeliveryStatus
from samla_notifications.domain.webhooks import WebhookDeliveryStatus


class RetentionStore:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks) -> None:
        self._mail = db[MAIL_LOG]
        self._webhooks = db[WEBHOOK_DELIVERIES]
        self._locks = locks

    async def forget_mail_before(self, cutoff: datetime) -> int:
        """Delete mail-log records created before `cutoff`, except one being sent right now."""
        removed = 0
        settled = {"created_at": {"$lt": cutoff}, "status": {"$ne": DeliveryStatus.SENDING.value}}
        for key in [d["_id"] async for d in self._mail.find(settled, {"_id": 1})]:
            async with self._locks.hold(MAIL_LOG, key):
                removed += (await self._mail.delete_one({"_id": key, **settled})).deleted_count
        return removed

    async def forget_webhook_bodies_before(self, cutoff: datetime) -> int:
        """Drop the event copies of settled webhook deliveries created before `cutoff`; keep the outcome."""
        stripped = 0
        settled = {"created_at": {"$lt": cutoff}, "status": {"$ne": WebhookDeliveryStatus.PENDING.value},
                   "body": {"$exists": True}}
        for key in [d["_id"] async for d in self._webhooks.find(settled, {"_id": 1})]:
            async with self._locks.hold(WEBHOOK_DELIVERIES, key):
                result = await self._webhooks.update_one({"_id": key, **settled},
                                                         {"$unset": {"body": ""}, "$set": {"body_expired": True}})
                stripped += result.modified_count
        return stripped

    async def forget_webhook_deliveries_before(self, cutoff: datetime) -> int:
        """Delete settled webhook delivery records created before `cutoff`."""
        removed = 0
        settled = {"created_at": {"$lt": cutoff}, "status": {"$ne": WebhookDeliveryStatus.PENDING.value}}
        for key in [d["_id"] async for d in self._webhooks.find(settled, {"_id": 1})]:
            async with self._locks.hold(WEBHOOK_DELIVERIES, key):
                removed += (await self._webhooks.delete_one({"_id": key, **settled})).deleted_count
        return removed
