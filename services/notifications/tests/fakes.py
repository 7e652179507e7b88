"""In-memory stand-ins for the stores and clients the use cases talk to (see adapters/ports.py).

Each behaves like the real adapter in what the use cases rely on: documents are copied in and
out (a caller's dict is never the stored one), a second queueing of the same delivery queues
nothing, searches order and page as the database does, and changes apply atomically.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from samla_shared.contract.cloudevents import CloudEvent
from samla_notifications.adapters.ports import Criteria, DeliveryChange, SubscriptionChange
from samla_notifications.adapters.read_model import (
    application_from_document,
    cohort_from_document,
    interest_from_document,
    measure_from_document,
    programme_from_document,
    session_from_document,
)
from samla_notifications.adapters.reminder_store import reminder_from_document
from samla_notifications.adapters.webhook_store import (
    attempt_document,
    delivery_document,
    delivery_from_document,
    listener_from_document,
    subscription_document,
    subscription_from_document,
)
from samla_notifications.adapters.templates import TemplateRenderFailed
from samla_notifications.adapters.webhook_client import PostOutcome
from samla_notifications.domain.deliveries import DeliveryStatus
from samla_notifications.domain.known_facts import (
    KnownApplication,
    KnownCohort,
    KnownInterest,
    KnownMeasure,
    KnownProgramme,
    KnownSession,
)
from samla_notifications.domain.notices import Notice
from samla_notifications.domain.reminders import Reminder
from samla_notifications.domain.webhooks import (
    Listener,
    Subscription,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    delivery_id,
)


def _matches(document: dict[str, Any], criteria: Criteria) -> bool:
    """As `adapters.queries.matching` asks the database: equal, or (a list) any of the values."""
    return all(document.get(field) in value if isinstance(value, list | tuple | set | frozenset)
               else document.get(field) == value for field, value in criteria.items())


class FakeReadModel:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.roster_rows: set[tuple[str, str]] = set()

    def _save(self, collection: str, key: str, fields: dict[str, Any]) -> None:
        self.rows.setdefault(collection, {}).setdefault(key, {"_id": key}).update(fields)

    def _get(self, collection: str, key: str | None) -> dict[str, Any] | None:
        found = self.rows.get(collection, {}).get(key or "")
        return dict(found) if found else None

    async def save_programme(self, key: str, **fields: Any) -> None:
        self._save("programmes", key, fields)

    async def programme(self, key: str | None) -> KnownProgramme | None:
        found = self._get("programmes", key)
        return None if found is None else programme_from_document(found)

    async def save_cohort(self, key: str, **fields: Any) -> None:
        self._save("cohorts", key, fields)

    async def cohort(self, key: str | None) -> KnownCohort | None:
        found = self._get("cohorts", key)
        return None if found is None else cohort_from_document(found)

    async def enrol(self, cohort_id: str, participant_id: str) -> None:
        self.roster_rows.add((cohort_id, participant_id))

    async def unenrol(self, cohort_id: str, participant_id: str) -> None:
        self.roster_rows.discard((cohort_id, participant_id))

    async def roster(self, cohort_id: str) -> list[str]:
        return sorted(p for c, p in self.roster_rows if c == cohort_id)

    async def save_application(self, key: str, **fields: Any) -> None:
        self._save("applications", key, fields)

    async def application(self, key: str) -> KnownApplication | None:
        found = self._get("applications", key)
        return None if found is None else application_from_document(found)

    async def application_in(self, cohort_id: str, participant_id: str) -> KnownApplication | None:
        found = [a for a in self.rows.get("applications", {}).values()
                 if a.get("cohort_id") == cohort_id and a.get("participant_id") == participant_id]
        return application_from_document(dict(found[-1])) if found else None

    async def save_session(self, key: str, **fields: Any) -> None:
        self._save("sessions", key, fields)

    async def move_session(self, key: str, *, starts_at: datetime, ends_at: datetime, event_id: str,
                           reason: str) -> KnownSession | None:
        before = self._get("sessions", key)
        if before is None:
            return None
        if before.get("schedule_event_id") != event_id:  # once per event, as the store
            self._save("sessions", key, {"starts_at": starts_at, "ends_at": ends_at, "reason": reason,
                                         "schedule_event_id": event_id, "previous_starts_at": before["starts_at"],
                                         "sequence": before.get("sequence", 0) + 1})
        return session_from_document(before)

    async def session(self, key: str) -> KnownSession | None:
        found = self._get("sessions", key)
        return None if found is None else session_from_document(found)

    async def upcoming_sessions(self, cohort_id: str, after: datetime) -> list[KnownSession]:
        return [session_from_document(dict(s)) for s in self.rows.get("sessions", {}).values()
                if s["cohort_id"] == cohort_id and s["status"] == "scheduled" and s["starts_at"] > after]

    async def add_interest(self, key: str, **fields: Any) -> None:
        self.rows.setdefault("interests", {}).setdefault(key, {"_id": key, "notified_for": None, **fields})

    async def interests_to_tell(self, programme_id: str, cohort_id: str) -> list[KnownInterest]:
        return [interest_from_document(dict(i)) for i in self.rows.get("interests", {}).values()
                if i["programme_id"] == programme_id and i["notified_for"] in (None, cohort_id)]

    async def interest_told(self, key: str, cohort_id: str) -> None:
        self._save("interests", key, {"notified_for": cohort_id})

    async def save_measure(self, key: str, **fields: Any) -> None:
        self._save("measures", key, fields)

    async def measure(self, key: str) -> KnownMeasure | None:
        found = self._get("measures", key)
        return None if found is None else measure_from_document(found)


class FakeReminders:
    """`ReminderRepository` in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    async def add(self, rows: Any) -> None:
        for row in rows:
            self.rows.setdefault(row["_id"], copy.deepcopy(row))

    async def replace(self, selector: Criteria, rows: Any) -> None:
        await self.drop(selector)
        await self.add(rows)

    async def drop(self, selector: Criteria) -> int:
        doomed = [k for k, row in self.rows.items() if _matches(row, selector)]
        for key in doomed:
            del self.rows[key]
        return len(doomed)

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        found = sorted((r for r in self.rows.values() if r["status"] == "pending" and r["fire_at"] <= now),
                       key=lambda r: r["fire_at"])
        return [reminder_from_document(row) for row in found[:limit]]

    async def mark(self, reminder: Reminder, status: str, at: datetime) -> None:
        stored = self.rows.get(reminder.id)
        if stored is not None and stored["fact_id"] == reminder.fact_id:  # not if replaced meanwhile
            stored.update(status=status, closed_at=at)

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[Reminder]:
        return [reminder_from_document(row) for row in self.of(**filters)[offset:offset + limit]]

    def of(self, **selector: Any) -> list[dict[str, Any]]:
        return sorted((r for r in self.rows.values() if _matches(r, selector)), key=lambda r: r["fire_at"])


class FakeMail:
    def __init__(self) -> None:
        self.sent: list[Notice] = []
        self.broken: set[str] = set()  # recipients whose template "fails"

    async def deliver(self, notice: Notice) -> DeliveryStatus:
        if notice.recipient_id in self.broken:
            raise TemplateRenderFailed(f"template nb/{notice.kind}.j2 failed to render")
        self.sent.append(notice)
        return DeliveryStatus.SENT

    def told(self) -> list[tuple[str, str]]:
        return [(n.kind.value, n.recipient_id) for n in self.sent]


class FakeWebhooks:
    async def fan_out(self, event: CloudEvent) -> int:
        return 0


class FakeWebhookStore:
    """`WebhookRepository` in memory. Secrets are kept apart from the stored subscription, as the
    real store keeps only their sealed form, so a read never returns the secret."""

    def __init__(self) -> None:
        self.subscriptions_by_id: dict[str, dict[str, Any]] = {}
        self.deliveries_by_id: dict[str, dict[str, Any]] = {}
        self._secrets: dict[str, str] = {}

    def signing_secret(self, subscription: Subscription) -> str:
        return self._secrets[subscription.id]

    async def add_subscription(self, subscription: Subscription) -> None:
        if subscription.id in self.subscriptions_by_id:
            raise KeyError(f"duplicate subscription {subscription.id}")
        assert subscription.secret is not None, "a new subscription comes with its secret"
        self._secrets[subscription.id] = subscription.secret
        self.subscriptions_by_id[subscription.id] = subscription_document(subscription)

    async def subscription(self, subscription_id: str) -> Subscription | None:
        found = self.subscriptions_by_id.get(subscription_id)
        return None if found is None else subscription_from_document(copy.deepcopy(found))

    async def subscriptions(self, filters: Criteria, offset: int, limit: int) -> list[Subscription]:
        found = sorted((s for s in self.subscriptions_by_id.values() if _matches(s, filters)),
                       key=lambda s: s["created_at"])
        return [subscription_from_document(copy.deepcopy(s)) for s in found[offset:offset + limit]]

    async def count_subscriptions(self, filters: Criteria) -> int:
        return sum(1 for s in self.subscriptions_by_id.values() if _matches(s, filters))

    async def live_subscriptions(self) -> list[Listener]:
        live = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PAUSED.value)
        return [listener_from_document(s) for s in self.subscriptions_by_id.values() if s["status"] in live]

    async def active_subscription_ids(self) -> list[str]:
        return [s["_id"] for s in self.subscriptions_by_id.values() if s["status"] == SubscriptionStatus.ACTIVE]

    async def update_subscription(self, subscription_id: str, change: SubscriptionChange) -> Subscription | None:
        changed = self._change(self.subscriptions_by_id, subscription_id,
                               lambda current: change(subscription_from_document(current)))
        return None if changed is None else subscription_from_document(changed)

    async def queue(self, delivery: WebhookDelivery) -> bool:
        if delivery.key in self.deliveries_by_id:
            return False
        self.deliveries_by_id[delivery.key] = delivery_document(delivery)
        return True

    async def delivery(self, subscription_id: str, event_id: str) -> WebhookDelivery | None:
        found = self.deliveries_by_id.get(delivery_id(subscription_id, event_id))
        return None if found is None else delivery_from_document(copy.deepcopy(found))

    async def deliveries(self, filters: Criteria, offset: int, limit: int) -> list[WebhookDelivery]:
        found = sorted((d for d in self.deliveries_by_id.values() if _matches(d, filters)),
                       key=lambda d: d["created_at"], reverse=True)
        return [delivery_from_document({k: v for k, v in copy.deepcopy(d).items() if k != "body"})
                for d in found[offset:offset + limit]]

    async def due(self, subscription_ids: list[str], now: datetime, limit: int) -> list[WebhookDelivery]:
        found = sorted((d for d in self.deliveries_by_id.values()
                        if d["status"] == WebhookDeliveryStatus.PENDING and d["next_attempt_at"] <= now
                        and d["subscription_id"] in subscription_ids), key=lambda d: d["next_attempt_at"])
        return [delivery_from_document(copy.deepcopy(d)) for d in found[:limit]]

    async def update_delivery(self, key: str, change: DeliveryChange) -> WebhookDelivery | None:
        changed = self._change(self.deliveries_by_id, key, lambda current: change(delivery_from_document(current)))
        return None if changed is None else delivery_from_document(changed)

    async def record_attempt(self, key: str, fields: dict[str, Any], attempt: WebhookAttempt) -> None:
        stored = self.deliveries_by_id.get(key)
        if stored is None:
            return
        stored.update(copy.deepcopy(fields))
        stored["attempts_made"] = stored.get("attempts_made", 0) + 1
        stored.setdefault("attempts", []).append(attempt_document(attempt))

    async def restart_held(self, subscription_id: str, now: datetime, deadline: datetime) -> None:
        for stored in self.deliveries_by_id.values():
            if stored["subscription_id"] == subscription_id and stored["status"] == WebhookDeliveryStatus.PENDING:
                stored.update(next_attempt_at=now, expires_at=deadline)

    @staticmethod
    def _change(documents: dict[str, dict[str, Any]], key: str,
                change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> dict[str, Any] | None:
        stored = documents.get(key)
        if stored is None:
            return None
        fields = change(copy.deepcopy(stored))
        if fields:
            stored.update(copy.deepcopy(fields))
        return copy.deepcopy(stored)


class FakePoster:
    """The receivers' side of webhook POSTs: records each request, answers with the next scripted
    outcome (a status code, or None for no answer), and 204 once the script is used up."""

    def __init__(self, *answers: int | None) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    async def post(self, url: str, address: str, body: bytes, headers: dict[str, str]) -> PostOutcome:
        self.requests.append({"url": url, "address": address, "body": body, "headers": dict(headers)})
        status = self.answers.pop(0) if self.answers else 204
        return PostOutcome(status, None if status is not None else "connection refused", 1.0)


class FakeResolver:
    """DNS as the webhook checks ask it: a fixed table; a name not in it does not resolve."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def __call__(self, host: str) -> list[str]:
        return list(self.table.get(host, []))
