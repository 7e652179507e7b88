"""Webhooks for integrators: subscriptions, queueing deliveries from events, and the dispatcher.

Each event an integrator subscribed to becomes one delivery per subscription (queued
atomically, so a redelivered event queues nothing twice). The dispatcher POSTs due
deliveries following Standard Webhooks, and retries failures with exponential backoff until
the delivery's 24-hour window closes. A receiver answering 410 Gone disables its
subscription; one that keeps failing has its subscription paused, which holds its
deliveries until the integrator resumes it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from samla_shared.contract.cloudevents import CloudEvent, structured_json
from samla_shared.retry import run_periodically
from samla_notifications.adapters.ports import Criteria, Resolver, WebhookRepository, WebhookSender
from samla_notifications.adapters.webhook_client import PostOutcome, resolve
from samla_notifications.domain.errors import Conflict, NotFound, RuleViolation
from samla_notifications.domain.webhooks import (
    Listener,
    Subscription,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    check_addresses,
    new_secret,
    next_attempt_at,
    parse_target,
    should_pause,
    sign,
)
from samla_notifications.metrics import NOTIFICATIONS, PAUSED_SUBSCRIPTIONS
from samla_notifications.settings import NotificationsSettings

log = logging.getLogger("samla.notifications.webhooks")
tracer = trace.get_tracer("samla.notifications.webhooks")

# Every event asks which subscriptions want it; integrators are few and change rarely, so
# the answer is kept this long (and dropped at once when this instance changes one). On
# another instance a new subscription starts receiving at most this much later.
SUBSCRIPTIONS_KEPT_SECONDS = 5.0
FAILED_ROUND_CEILING = 30.0  # seconds between dispatcher rounds at most while they keep failing


def _now() -> datetime:
    # Webhook timing is about real networks and receivers' replay windows, so it always
    # follows the wall clock, even when a test moves the clock that reminders follow.
    return datetime.now(UTC)


class WebhookService:
    def __init__(self, settings: NotificationsSettings, store: WebhookRepository, *,
                 resolver: Resolver = resolve) -> None:
        self._settings = settings
        self._store = store
        self._resolve = resolver
        self._window = timedelta(seconds=settings.webhook_retry_window_seconds)
        self.wake = asyncio.Event()
        self._live: tuple[float, list[Listener]] | None = None
        self._changes = 0  # how often this instance changed a subscription

    def forget_subscriptions(self) -> None:
        self._live = None
        self._changes += 1

    async def _live_subscriptions(self) -> list[Listener]:
        if self._live is None or time.monotonic() - self._live[0] > SUBSCRIPTIONS_KEPT_SECONDS:
            changes = self._changes
            found = await self._store.live_subscriptions()
            # A subscription changed while the query ran: the answer may predate it, and kept
            # it would hide the change for SUBSCRIPTIONS_KEPT_SECONDS. Use it once, keep nothing.
            if changes == self._changes:
                self._live = (time.monotonic(), found)
            return found
        return self._live[1]

    # -- subscriptions -----------------------------------------------------------------------

    async def check_target(self, url: str) -> str:
        """Resolve and check the target's host; the address to connect to (pinned, see webhook_client)."""
        host = parse_target(url, require_https=self._settings.environment == "production")
        addresses = await self._resolve(host)
        check_addresses(host, addresses, allow_private=self._settings.allow_private_webhook_urls)
        return addresses[0]

    async def subscribe(self, *, url: str, event_types: list[str], network_id: str,
                        description: str | None) -> Subscription:
        """The new subscription, with its signing secret in plain text this once."""
        await self.check_target(url)
        now = _now()
        subscription = Subscription(
            id=f"sub_{uuid.uuid4().hex}", url=url, event_types=sorted(set(event_types)), network_id=network_id,
            description=description, secret=new_secret(), status=SubscriptionStatus.ACTIVE.value,
            status_reason=None, consecutive_failures=0, created_at=now, updated_at=now)
        await self._store.add_subscription(subscription)
        self.forget_subscriptions()
        return subscription

    async def subscription(self, subscription_id: str) -> Subscription:
        subscription = await self._store.subscription(subscription_id)
        if subscription is None:
            raise NotFound(f"no subscription {subscription_id}")
        return subscription

    async def subscriptions(self, filters: Criteria, offset: int, limit: int) -> list[Subscription]:
        return await self._store.subscriptions(filters, offset, limit)

    async def unsubscribe(self, subscription_id: str) -> None:
        await self.subscription(subscription_id)
        await self._store.update_subscription(subscription_id, lambda _: {
            "status": SubscriptionStatus.DISABLED.value, "status_reason": "deleted by the integrator",
            "disabled_at": _now(), "updated_at": _now()})
        self.forget_subscriptions()
        await self.refresh_paused_gauge()

    async def resume(self, subscription_id: str) -> Subscription:
        subscription = await self.subscription(subscription_id)
        if subscription.status == SubscriptionStatus.DISABLED:
            raise Conflict("a disabled subscription cannot be resumed; register the endpoint again")
        now = _now()
        # Held deliveries first, so the dispatcher never sees an active subscription with expired windows.
        await self._store.restart_held(subscription_id, now, now + self._window)
        resumed = await self._store.update_subscription(subscription_id, lambda _: {
            "status": SubscriptionStatus.ACTIVE.value, "status_reason": None, "consecutive_failures": 0,
            "paused_at": None, "updated_at": now})
        self.forget_subscriptions()
        await self.refresh_paused_gauge()
        self.wake.set()
        assert resumed is not None
        return resumed

    # -- deliveries --------------------------------------------------------------------------

    async def fan_out(self, event: CloudEvent) -> int:
        """Queue the event for every subscription that asked for it in its network."""
        listeners = [s for s in await self._live_subscriptions()
                     if s.network_id == event.data.network_id and event.type in s.event_types]
        if not listeners:
            return 0
        body = structured_json(event).decode()
        now = _now()
        queued = 0
        for subscription in listeners:
            queued += await self._store.queue(WebhookDelivery(
                subscription_id=subscription.id, event_id=event.id, event_type=event.type,
                network_id=event.data.network_id, body=body, traceparent=event.trace_headers.get("traceparent"),
                status=WebhookDeliveryStatus.PENDING.value, next_attempt_at=now, expires_at=now + self._window,
                created_at=now))
        if queued:
            self.wake.set()
        return queued

    async def deliveries(self, subscription_id: str, status: str | None, event_type: str | None,
                         offset: int, limit: int) -> list[WebhookDelivery]:
        await self.subscription(subscription_id)
        filters: dict[str, Any] = {"subscription_id": subscription_id}
        if status:
            filters["status"] = status
        if event_type:
            filters["event_type"] = event_type
        return await self._store.deliveries(filters, offset, limit)

    async def delivery(self, subscription_id: str, event_id: str) -> WebhookDelivery:
        await self.subscription(subscription_id)
        delivery = await self._store.delivery(subscription_id, event_id)
        if delivery is None:
            raise NotFound(f"subscription {subscription_id} has no delivery of event {event_id}")
        return delivery

    async def redeliver(self, subscription_id: str, event_id: str) -> WebhookDelivery:
        """Send a past delivery again, whatever became of it, with a fresh retry window."""
        subscription = await self.subscription(subscription_id)
        past = await self.delivery(subscription_id, event_id)
        if past.body is None:
            raise Conflict("this delivery is past the retention of webhook bodies; its event is no longer kept")
        if subscription.status != SubscriptionStatus.ACTIVE:
            raise Conflict(f"the subscription is {subscription.status}; resume it before asking for redelivery")
        now = _now()
        redelivered = await self._store.update_delivery(past.key, lambda _: {
            "status": WebhookDeliveryStatus.PENDING.value, "next_attempt_at": now,
            "expires_at": now + self._window, "attempts_made": 0, "redelivery_requested_at": now})
        self.wake.set()
        assert redelivered is not None
        return redelivered

    async def refresh_paused_gauge(self) -> None:
        paused = await self._store.count_subscriptions({"status": SubscriptionStatus.PAUSED.value})
        PAUSED_SUBSCRIPTIONS.labels(self._settings.service_name).set(paused)


class WebhookDispatcher:
    """Sends due webhook deliveries, a few at a time, and records what each attempt did."""

    def __init__(self, settings: NotificationsSettings, store: WebhookRepository, service: WebhookService,
                 poster: WebhookSender) -> None:
        self._settings = settings
        self._store = store
        self._service = service
        self._poster = poster
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        # An attempt in flight pushes its delivery's next_attempt_at this far ahead, so a
        # later round (or another instance) does not post the same delivery at the same time.
        self._in_flight_lease = timedelta(seconds=settings.webhook_timeout_seconds * 2 + 5)

    async def run(self) -> None:
        gauge_known = False

        async def round_() -> None:
            nonlocal gauge_known
            if not gauge_known:  # subscriptions paused before this process started count too
                await self._service.refresh_paused_gauge()
                gauge_known = True
            await self.run_once()

        # The database away: deliveries wait in it; while rounds fail they come later and later
        # (jittered, up to 30 s), unless a new delivery wakes the dispatcher.
        await run_periodically(round_, every=self._settings.webhook_poll_seconds, what="webhook", log=log,
                               failure_ceiling=FAILED_ROUND_CEILING, wake=self._service.wake)

    async def run_once(self) -> int:
        active = await self._store.active_subscription_ids()
        due = await self._store.due(active, _now(), limit=200)
        await asyncio.gather(*(self._attempt(d) for d in due))
        return len(due)

    async def _attempt(self, due: WebhookDelivery) -> None:
        async with self._slots:
            now = _now()
            claimed = False

            def take(current: WebhookDelivery) -> dict[str, Any] | None:
                nonlocal claimed
                if current.status != WebhookDeliveryStatus.PENDING or current.next_attempt_at > now:
                    return None
                claimed = True
                return {"next_attempt_at": now + self._in_flight_lease}

            delivery = await self._store.update_delivery(due.key, take)
            if not claimed or delivery is None:
                return
            subscription = await self._store.subscription(delivery.subscription_id)
            if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
                await self._store.update_delivery(delivery.key, lambda _: {"next_attempt_at": now})
                return
            outcome = await self._post(subscription, delivery)
            await self._record(subscription, delivery, outcome)

    async def _post(self, subscription: Subscription, delivery: WebhookDelivery) -> PostOutcome:
        try:
            # Checked again at every attempt: a name can start resolving to a private address later.
            address = await self._service.check_target(subscription.url)
        except RuleViolation as exc:
            return PostOutcome(None, f"refused: {exc}", 0.0)
        if delivery.body is None:  # retention drops only settled deliveries' bodies; a pending one keeps it
            raise LookupError(f"webhook delivery {delivery.key} has no body to send")
        body = delivery.body.encode()
        timestamp = int(_now().timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self._store.signing_secret(subscription), delivery.event_id, timestamp, body),
        }
        parent = propagate.extract({"traceparent": delivery.traceparent} if delivery.traceparent else {})
        with tracer.start_as_current_span("webhook deliver", context=parent, kind=SpanKind.CLIENT, attributes={
            "http.request.method": "POST", "samla.subscription_id": subscription.id,
            "cloudevents.event_id": delivery.event_id, "cloudevents.event_type": delivery.event_type,
        }) as span:
            propagate.inject(headers)  # the receiver continues the trace of the event that caused it
            outcome = await self._poster.post(subscription.url, address, body, headers)
            if outcome.status_code is not None:
                span.set_attribute("http.response.status_code", outcome.status_code)
            if not outcome.delivered:
                span.set_status(Status(StatusCode.ERROR, outcome.error or "not delivered"))
        return outcome

    async def _record(self, subscription: Subscription, delivery: WebhookDelivery, outcome: PostOutcome) -> None:
        now = _now()
        attempt = WebhookAttempt(at=now, status_code=outcome.status_code, error=outcome.error,
                                 duration_ms=round(outcome.duration_ms, 1))
        service = self._settings.service_name
        failed_attempts = delivery.attempts_made + 1
        delivery_update: dict[str, Any]
        if outcome.delivered:
            delivery_update = {"status": WebhookDeliveryStatus.DELIVERED.value, "delivered_at": now, "last_error": None}
            status = "delivered"
        elif outcome.status_code == 410:
            delivery_update = {"status": WebhookDeliveryStatus.FAILED.value, "last_error": "the receiver answered 410 Gone"}
            status = "gone"
        else:
            retry_at = next_attempt_at(
                failed_attempts, now, delivery.expires_at, base_seconds=self._settings.webhook_retry_base_seconds,
                max_delay_seconds=self._settings.webhook_retry_max_delay_seconds)
            delivery_update = ({"next_attempt_at": retry_at} if retry_at else
                               {"status": WebhookDeliveryStatus.FAILED.value})
            delivery_update["last_error"] = _describe(outcome)
            status = "retrying" if retry_at else "failed"
        await self._store.record_attempt(delivery.key, delivery_update, attempt)
        NOTIFICATIONS.labels(service, "webhook", status).inc()

        if outcome.delivered:
            await self._store.update_subscription(subscription.id, lambda _: {
                "consecutive_failures": 0, "last_success_at": now})
        elif outcome.status_code == 410:
            await self._store.update_subscription(subscription.id, lambda _: {
                "status": SubscriptionStatus.DISABLED.value, "disabled_at": now, "updated_at": now,
                "status_reason": "the receiver answered 410 Gone"})
            self._service.forget_subscriptions()
            log.warning("webhook subscription %s disabled: its receiver answered 410 Gone", subscription.id)
        else:
            updated = await self._store.update_subscription(
                subscription.id, lambda current: self._count_failure(current, now, outcome))
            if updated is not None and updated.status == SubscriptionStatus.PAUSED:
                await self._service.refresh_paused_gauge()

    def _count_failure(self, current: Subscription, now: datetime, outcome: PostOutcome) -> dict[str, Any]:
        failures = current.consecutive_failures + 1
        update: dict[str, Any] = {"consecutive_failures": failures, "last_failure_at": now}
        if current.status == SubscriptionStatus.ACTIVE and should_pause(
                failures, self._settings.webhook_pause_after_failures):
            reason = f"paused after {failures} consecutive failed deliveries; last: {_describe(outcome)}"
            update |= {"status": SubscriptionStatus.PAUSED.value, "status_reason": reason, "paused_at": now,
                       "updated_at": now}
            log.error("webhook subscription %s %s", current.id, reason)
            self._service.forget_subscriptions()
        return update


def _describe(outcome: PostOutcome) -> str:
    if outcome.status_code is not None:
        return f"HTTP {outcome.status_code}" + (f": {outcome.error}" if outcome.error else "")
    return outcome.error or "no answer"
