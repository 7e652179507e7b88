"""Webhook subscriptions and their deliveries.

A delivery is keyed by (subscription, event id): inserting it is atomic, so a redelivered
event never queues a second POST. It stores the exact body that is signed and sent, so every
retry and every manual redelivery sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from samla_shared.persistence.document_locks import DocumentLocks
from samla_notifications.adapters.ports import Criteria, DeliveryChange, SubscriptionChange
from samla_notifications.adapters.queries import matching
from samla_notifications.domain.webhooks import (
    Listener,
    Subscription,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    delivery_id,
)

SUBSCRIPTIONS = "subscriptions"
DELIVERIES = "webhook_deliveries"


class SecretKeyMismatch(RuntimeError):
    """A stored secret does not open with the configured key (the key was changed without re-encrypting)."""


async def ensure_webhook_indexes(db: AsyncDatabase) -> None:
    await db[SUBSCRIPTIONS].create_index([("network_id", ASCENDING), ("status", ASCENDING)])
    await db[DELIVERIES].create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db[DELIVERIES].create_index([("subscription_id", ASCENDING), ("created_at", DESCENDING)])


def subscription_from_document(document: dict[str, Any]) -> Subscription:
    """A stored subscription as the typed record the use cases read."""
    return Subscription(
        id=document["_id"], url=document["url"], event_types=list(document["event_types"]),
        network_id=document["network_id"], status=document["status"], created_at=document["created_at"],
        updated_at=document["updated_at"], description=document.get("description"),
        status_reason=document.get("status_reason"), consecutive_failures=document.get("consecutive_failures", 0),
        paused_at=document.get("paused_at"), disabled_at=document.get("disabled_at"),
        last_success_at=document.get("last_success_at"), last_failure_at=document.get("last_failure_at"),
        secret=document.get("secret"), secret_sealed=document.get("secret_sealed"))


def subscription_document(subscription: Subscription) -> dict[str, Any]:
    """A new subscription as it is stored, without its secret (the store seals that)."""
    return {
        "_id": subscription.id, "url": subscription.url, "event_types": list(subscription.event_types),
        "network_id": subscription.network_id, "description": subscription.description,
        "status": subscription.status, "status_reason": subscription.status_reason,
        "consecutive_failures": subscription.consecutive_failures, "created_at": subscription.created_at,
        "updated_at": subscription.updated_at, "paused_at": subscription.paused_at,
        "disabled_at": subscription.disabled_at, "last_success_at": subscription.last_success_at,
    }


def listener_from_document(document: dict[str, Any]) -> Listener:
    return Listener(id=document["_id"], network_id=document["network_id"], event_types=list(document["event_types"]))


def attempt_from_document(document: dict[str, Any]) -> WebhookAttempt:
    return WebhookAttempt(at=document["at"], status_code=document["status_code"], error=document["error"],
                          duration_ms=document["duration_ms"])


def attempt_document(attempt: WebhookAttempt) -> dict[str, Any]:
    return {"at": attempt.at, "status_code": attempt.status_code, "error": attempt.error,
            "duration_ms": attempt.duration_ms}


def delivery_from_document(document: dict[str, Any]) -> WebhookDelivery:
    """A stored delivery as the typed record the use cases read (its body None when not read or expired)."""
    return WebhookDelivery(
        subscription_id=document["subscription_id"], event_id=document["event_id"],
        event_type=document["event_type"], network_id=document["network_id"], status=document["status"],
        next_attempt_at=document["next_attempt_at"], expires_at=document["expires_at"],
        created_at=document["created_at"], attempts_made=document.get("attempts_made", 0),
        attempts=tuple(attempt_from_document(a) for a in document.get("attempts", [])),
        delivered_at=document.get("delivered_at"), last_error=document.get("last_error"),
        traceparent=document.get("traceparent"), redelivery_requested_at=document.get("redelivery_requested_at"),
        body=document.get("body"))


def delivery_document(delivery: WebhookDelivery) -> dict[str, Any]:
    """A new delivery as it is stored, keyed by `delivery_id(subscription, event)`."""
    stored = {
        "_id": delivery.key, "subscription_id": delivery.subscription_id, "event_id": delivery.event_id,
        "event_type": delivery.event_type, "network_id": delivery.network_id, "body": delivery.body,
        "traceparent": delivery.traceparent, "status": delivery.status, "attempts_made": delivery.attempts_made,
        "attempts": [attempt_document(a) for a in delivery.attempts], "next_attempt_at": delivery.next_attempt_at,
        "expires_at": delivery.expires_at, "created_at": delivery.created_at, "delivered_at": delivery.delivered_at,
        "last_error": delivery.last_error,
    }
    if delivery.redelivery_requested_at is not None:
        stored["redelivery_requested_at"] = delivery.redelivery_requested_at
    return stored


class WebhookStore:
    def __init__(self, db: AsyncDatabase, locks: DocumentLocks, *, secret_key: str) -> None:
        self._subscriptions = db[SUBSCRIPTIONS]
        self._deliveries = db[DELIVERIES]
        self._locks = locks
        self._cipher = Fernet(secret_key.encode())

    def signing_secret(self, subscription: Subscription) -> str:
        """The subscription's signing secret in plain text, for signing one delivery."""
        sealed = subscription.secret_sealed
        if sealed is None:
            if subscription.secret is None:
                raise KeyError("secret")  # as reading the missing field did: neither form is stored
            return subscription.secret  # stored before secrets were encrypted
        try:
            return self._cipher.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise SecretKeyMismatch(f"subscription {subscription.id}: its secret does not open with the "
                                    "configured webhook_secret_key") from exc

    # -- subscriptions -----------------------------------------------------------------------

    async def add_subscription(self, subscription: Subscription) -> None:
        if subscription.secret is None:
            raise ValueError(f"subscription {subscription.id} has no secret to seal")
        stored = subscription_document(subscription)
        stored["secret_sealed"] = self._cipher.encrypt(subscription.secret.encode()).decode()
        await self._subscriptions.insert_one(stored)

    async def subscription(self, subscription_id: str) -> Subscription | None:
        found = await self._subscriptions.find_one({"_id": subscription_id})
        return None if found is None else subscription_from_document(found)

    async def subscriptions(self, filters: Criteria, offset: int, limit: int) -> list[Subscription]:
        cursor = self._subscriptions.find(matching(filters)).sort("created_at", ASCENDING).skip(offset).limit(limit)
        return [subscription_from_document(s) async for s in cursor]

    async def count_subscriptions(self, filters: Criteria) -> int:
        return await self._subscriptions.count_documents(matching(filters))

    async def live_subscriptions(self) -> list[Listener]:
        """Subscriptions that receive events: active ones, and paused ones (their deliveries wait)."""
        cursor = self._subscriptions.find(
            {"status": {"$in": [SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PAUSED.value]}},
            {"_id": 1, "network_id": 1, "event_types": 1})
        return [listener_from_document(s) async for s in cursor]

    async def active_subscription_ids(self) -> list[str]:
        cursor = self._subscriptions.find({"status": SubscriptionStatus.ACTIVE.value}, {"_id": 1})
        return [s["_id"] async for s in cursor]

    async def update_subscription(self, subscription_id: str,
                                  change: SubscriptionChange) -> Subscription | None:
        """Set the fields `change(subscription)` returns (nothing if None) under the subscription's lock;
        returns the subscription as it then is."""
        async with self._locks.hold(SUBSCRIPTIONS, subscription_id):
            current = await self._subscriptions.find_one({"_id": subscription_id})
            if current is None:
                return None
            fields = change(subscription_from_document(current))
            if fields:
                await self._subscriptions.update_one({"_id": subscription_id}, {"$set": fields})
                current = await self._subscriptions.find_one({"_id": subscription_id})
            return None if current is None else subscription_from_document(current)

    # -- deliveries --------------------------------------------------------------------------

    async def queue(self, delivery: WebhookDelivery) -> bool:
        try:
            await self._deliveries.insert_one(delivery_document(delivery))
            return True
        except DuplicateKeyError:
            return False

    async def delivery(self, subscription_id: str, event_id: str) -> WebhookDelivery | None:
        found = await self._deliveries.find_one({"_id": delivery_id(subscription_id, event_id)})
        return None if found is None else delivery_from_document(found)

    async def deliveries(self, filters: Criteria, offset: int, limit: int) -> list[WebhookDelivery]:
        cursor = self._deliveries.find(matching(filters), {"body": 0}).sort("created_at", DESCENDING).skip(offset).limit(limit)
        return [delivery_from_document(d) async for d in cursor]

    async def due(self, subscription_ids: list[str], now: datetime, limit: int) -> list[WebhookDelivery]:
        if not subscription_ids:
            return []
        cursor = self._deliveries.find({
            "status": WebhookDeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now},
            "subscription_id": {"$in": subscription_ids},
        }).sort("next_attempt_at", ASCENDING).limit(limit)
        return [delivery_from_document(d) async for d in cursor]

    async def update_delivery(self, key: str, change: DeliveryChange) -> WebhookDelivery | None:
        """Set the fields `change(delivery)` returns (nothing if None) under the delivery's lock;
        returns the delivery as it then is."""
        def as_update(current: dict[str, Any]) -> dict[str, Any] | None:
            fields = change(delivery_from_document(current))
            return {"$set": fields} if fields else None

        changed = await self._change_delivery(key, as_update)
        return None if changed is None else delivery_from_document(changed)

    async def record_attempt(self, key: str, fields: dict[str, Any], attempt: WebhookAttempt) -> None:
        """Count one more attempt, append it to the delivery's history, and set `fields` (its outcome)."""
        await self._change_delivery(key, lambda _: {"$set": fields, "$inc": {"attempts_made": 1},
                                                    "$push": {"attempts": attempt_document(attempt)}})

    async def _change_delivery(self, key: str, update_for: Callable[[dict[str, Any]], dict[str, Any] | None],
                               ) -> dict[str, Any] | None:
        async with self._locks.hold(DELIVERIES, key):
            current = await self._deliveries.find_one({"_id": key})
            if current is None:
                return None
            update = update_for(current)
            if update:
                await self._deliveries.update_one({"_id": key}, update)
                current = await self._deliveries.find_one({"_id": key})
            return current

    async def restart_held(self, subscription_id: str, now: datetime, deadline: datetime) -> None:
        """Give a resumed subscription's waiting deliveries a fresh start and a fresh retry window."""
        cursor = self._deliveries.find({"subscription_id": subscription_id,
                                        "status": WebhookDeliveryStatus.PENDING.value}, {"_id": 1})
        for row in [d async for d in cursor]:
            await self.update_delivery(row["_id"], lambda _: {"next_attempt_at": now, "expires_at": deadline})
