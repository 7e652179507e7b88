"""The webhook use cases against in-memory fakes: subscribing, queueing an event once per
subscription, delivering it signed, retrying a failure, giving up when the window closes, a
receiver that is gone, pausing after repeated failures and resuming. No stack needed; the
real store is exercised by integration/test_webhooks.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.sessions import SessionScheduled
from samla_notifications.adapters.webhook_store import delivery_document
from samla_notifications.domain.errors import Conflict, NotFound, RuleViolation
from samla_notifications.domain.webhooks import Subscription, SubscriptionStatus, WebhookDeliveryStatus, delivery_id, sign
from samla_notifications.service_layer.webhooks import WebhookDispatcher, WebhookService
from samla_notifications.settings import NotificationsSettings
from services.notifications.tests.fakes import FakePoster, FakeResolver, FakeWebhookStore

TARGET = "https://hooks.example.org/samla"


class Integrations:
    """The webhook service and its dispatcher wired to a fake store and fake receivers."""

    def __init__(self, *answers: int | None, **settings: Any) -> None:
        self.settings = NotificationsSettings(environment="test", **settings)
        self.store = FakeWebhookStore()
        self.poster = FakePoster(*answers)
        self.dns = FakeResolver({"hooks.example.org": ["93.184.216.34"]})
        self.service = WebhookService(self.settings, self.store, resolver=self.dns)
        self.dispatcher = WebhookDispatcher(self.settings, self.store, self.service, self.poster)

    async def subscribe(self, network_id: str = "net-1") -> Subscription:
        return await self.service.subscribe(url=TARGET, event_types=[scheduled().type], network_id=network_id,
                                            description="the HR system")

    async def one_event_attempted(self) -> tuple[Subscription, CloudEvent]:
        """A subscription, one event it asked for, and the dispatcher's first round."""
        subscription, event = await self.subscribe(), scheduled()
        await self.service.fan_out(event)
        await self.dispatcher.run_once()
        return subscription, event

    def make_due(self, subscription_id: str, event_id: str) -> None:
        """Time passes until the delivery's next attempt (the dispatcher follows the wall clock)."""
        self.store.deliveries_by_id[delivery_id(subscription_id, event_id)]["next_attempt_at"] = datetime.now(UTC)


def scheduled(network_id: str = "net-1") -> CloudEvent:
    starts_at = datetime(2027, 5, 3, 9, tzinfo=UTC)
    event = SessionScheduled(network_id=network_id, cohort_id="cohort-1", programme_id="prog-1", session_id="s-1",
                             kind="kickoff", starts_at=starts_at, ends_at=starts_at + timedelta(hours=6),
                             time_zone="Europe/Oslo", online=False, mandatory=True)
    return CloudEvent(data=event, source="/samla/sessions", id=uuid.uuid4().hex, time=datetime.now(UTC))


@pytest.fixture
def hooks() -> Integrations:
    return Integrations()


async def test_a_subscription_is_active_and_its_secret_is_shown_only_when_created(hooks):
    created = await hooks.subscribe()
    assert created.status == SubscriptionStatus.ACTIVE and created.secret.startswith("whsec_")
    stored = await hooks.service.subscription(created.id)
    assert stored.secret is None and stored.url == TARGET
    assert [s.id for s in await hooks.service.subscriptions({"network_id": ["net-1", "net-2"]}, 0, 10)] == \
        [created.id]
    assert await hooks.service.subscriptions({"network_id": ["net-2"]}, 0, 10) == []


async def test_an_event_is_queued_once_per_subscription_in_its_network_even_when_it_comes_again(hooks):
    mine, _other_network = await hooks.subscribe(), await hooks.subscribe("net-2")
    event = scheduled()
    assert await hooks.service.fan_out(event) == 1
    assert await hooks.service.fan_out(event) == 0  # a redelivered event queues nothing twice
    [queued] = await hooks.service.deliveries(mine.id, None, None, 0, 10)
    assert queued.event_id == event.id and queued.status == WebhookDeliveryStatus.PENDING
    assert queued.body is None


async def test_a_due_delivery_is_posted_signed_and_recorded_as_delivered(hooks):
    subscription = await hooks.subscribe()
    event = scheduled()
    await hooks.service.fan_out(event)
    assert await hooks.dispatcher.run_once() == 1
    [request] = hooks.poster.requests
    headers = request["headers"]
    assert headers["webhook-id"] == event.id
    assert headers["webhook-signature"] == sign(subscription.secret, event.id, int(headers["webhook-timestamp"]),
                                                request["body"])
    assert json.loads(request["body"])["id"] == event.id
    delivered = await hooks.service.delivery(subscription.id, event.id)
    assert delivered.status == WebhookDeliveryStatus.DELIVERED and delivered.attempts_made == 1
    assert [a.status_code for a in delivered.attempts] == [204]
    assert (await hooks.service.subscription(subscription.id)).last_success_at is not None
    assert await hooks.dispatcher.run_once() == 0  # nothing is posted twice


async def test_a_failed_attempt_is_retried_later_and_then_delivered():
    hooks = Integrations(503)
    subscription, event = await hooks.one_event_attempted()
    waiting = await hooks.service.delivery(subscription.id, event.id)
    assert waiting.status == WebhookDeliveryStatus.PENDING and waiting.last_error == "HTTP 503"
    assert waiting.next_attempt_at > datetime.now(UTC) + timedelta(seconds=4)  # base delay: 5 s
    assert await hooks.dispatcher.run_once() == 0  # not before its time
    hooks.make_due(subscription.id, event.id)
    assert await hooks.dispatcher.run_once() == 1
    done = await hooks.service.delivery(subscription.id, event.id)
    assert done.status == WebhookDeliveryStatus.DELIVERED and done.attempts_made == 2
    assert [a.status_code for a in done.attempts] == [503, 204]
    assert (await hooks.service.subscription(subscription.id)).consecutive_failures == 0


async def test_a_delivery_whose_next_try_would_fall_after_its_window_fails_for_good():
    hooks = Integrations(None, webhook_retry_window_seconds=3)  # the next try (in 5 s) is past the window
    subscription, event = await hooks.one_event_attempted()
    given_up = await hooks.service.delivery(subscription.id, event.id)
    assert given_up.status == WebhookDeliveryStatus.FAILED and given_up.last_error == "connection refused"
    hooks.make_due(subscription.id, event.id)
    assert await hooks.dispatcher.run_once() == 0


async def test_a_receiver_answering_410_gone_disables_its_subscription():
    hooks = Integrations(410)
    subscription, event = await hooks.one_event_attempted()
    assert (await hooks.service.delivery(subscription.id, event.id)).status == WebhookDeliveryStatus.FAILED
    disabled = await hooks.service.subscription(subscription.id)
    assert disabled.status == SubscriptionStatus.DISABLED and "410" in disabled.status_reason
    assert await hooks.service.fan_out(scheduled()) == 0  # a disabled subscription hears nothing more
    with pytest.raises(Conflict):
        await hooks.service.resume(subscription.id)


async def test_repeated_failures_pause_the_subscription_until_the_integrator_resumes_it():
    hooks = Integrations(500, 500, webhook_pause_after_failures=2)
    subscription = await hooks.subscribe()
    first, second = scheduled(), scheduled()
    await hooks.service.fan_out(first)
    await hooks.service.fan_out(second)
    await hooks.dispatcher.run_once()
    paused = await hooks.service.subscription(subscription.id)
    assert paused.status == SubscriptionStatus.PAUSED and paused.consecutive_failures == 2
    held = scheduled()
    assert await hooks.service.fan_out(held) == 1  # a paused subscription's deliveries wait
    assert await hooks.dispatcher.run_once() == 0

    resumed = await hooks.service.resume(subscription.id)
    assert resumed.status == SubscriptionStatus.ACTIVE and resumed.consecutive_failures == 0
    assert await hooks.dispatcher.run_once() == 3  # the held ones go out at once
    assert {(await hooks.service.delivery(subscription.id, e.id)).status for e in (first, second, held)} == \
        {WebhookDeliveryStatus.DELIVERED}


async def test_a_past_delivery_can_be_sent_again_with_a_fresh_window(hooks):
    subscription, event = await hooks.one_event_attempted()
    again = await hooks.service.redeliver(subscription.id, event.id)
    assert again.status == WebhookDeliveryStatus.PENDING and again.attempts_made == 0
    assert await hooks.dispatcher.run_once() == 1
    assert len(hooks.poster.requests) == 2 and hooks.poster.requests[0]["body"] == hooks.poster.requests[1]["body"]


async def test_unsubscribing_disables_and_unknown_ids_are_not_found(hooks):
    subscription = await hooks.subscribe()
    await hooks.service.unsubscribe(subscription.id)
    assert (await hooks.service.subscription(subscription.id)).status == SubscriptionStatus.DISABLED
    with pytest.raises(NotFound):
        await hooks.service.subscription("sub_unknown")
    with pytest.raises(NotFound):
        await hooks.service.delivery(subscription.id, "no-such-event")


async def test_a_target_resolving_to_a_private_address_is_refused_then_and_at_every_attempt(hooks):
    hooks.dns.table["intranet.example.org"] = ["10.0.0.5"]
    with pytest.raises(RuleViolation):
        await hooks.service.subscribe(url="https://intranet.example.org/hook", event_types=[scheduled().type],
                                      network_id="net-1", description=None)
    subscription = await hooks.subscribe()
    hooks.dns.table["hooks.example.org"] = ["127.0.0.1"]  # the name was repointed after subscribing
    event = scheduled()
    await hooks.service.fan_out(event)
    await hooks.dispatcher.run_once()
    assert hooks.poster.requests == []
    refused = await hooks.service.delivery(subscription.id, event.id)
    assert refused.status == WebhookDeliveryStatus.PENDING and refused.last_error.startswith("refused: ")


async def test_a_queued_delivery_is_stored_in_the_same_shape_and_read_back_as_the_same_record(hooks):
    subscription = await hooks.subscribe()
    event = scheduled()
    await hooks.service.fan_out(event)
    stored = hooks.store.deliveries_by_id[delivery_id(subscription.id, event.id)]
    assert list(stored) == ["_id", "subscription_id", "event_id", "event_type", "network_id", "body", "traceparent",
                            "status", "attempts_made", "attempts", "next_attempt_at", "expires_at", "created_at",
                            "delivered_at", "last_error"]
    assert stored["_id"] == delivery_id(subscription.id, event.id) and stored["attempts"] == []
    read = await hooks.service.delivery(subscription.id, event.id)
    assert read.key == stored["_id"] and read.body == stored["body"]
    assert delivery_document(read) == stored  # the mapping loses nothing either way


async def test_a_delivery_whose_event_copy_retention_dropped_cannot_be_sent_again(hooks):
    subscription, event = await hooks.one_event_attempted()
    del hooks.store.deliveries_by_id[delivery_id(subscription.id, event.id)]["body"]  # as retention unsets it
    assert (await hooks.service.delivery(subscription.id, event.id)).body is None
    with pytest.raises(Conflict):
        await hooks.service.redeliver(subscription.id, event.id)
    assert await hooks.dispatcher.run_once() == 0 and len(hooks.poster.requests) == 1
