"""HTTP routes of notifications: parse, call the service layer, map the result."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from samla_shared.http.auth import Access, refuse
from samla_shared.security.access import Grant, Reach

from samla_notifications.bootstrap import Notifications
from samla_notifications.domain.deliveries import DeliveryStatus, LoggedMail
from samla_notifications.domain.errors import NotFound
from samla_notifications.domain.kinds import MANDATORY, Kind
from samla_notifications.domain.webhooks import (
    Subscription,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from samla_notifications.entrypoints.schemas import (
    NotificationPublic,
    PreferencesPublic,
    PreferencesUpdate,
    ReminderPublic,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
    WebhookDeliveryPublic,
    public,
)

MAX_PAGE = 200


def get_notifications(request: Request) -> Notifications:
    return request.app.state.notifications


Service = Annotated[Notifications, Depends(get_notifications)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]

deliveries = APIRouter(prefix="/notifications", tags=["delivery log"])
reminders = APIRouter(prefix="/reminders", tags=["reminders"])
preferences = APIRouter(prefix="/preferences", tags=["preferences"])
subscriptions = APIRouter(prefix="/subscriptions", tags=["webhooks"])


def _filters(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _scoped(access: Grant, filters: dict[str, Any], *, person_field: str | None = None) -> dict[str, Any] | None:
    """`filters` narrowed to the caller's networks or own records; None when nothing can match."""
    if access.unrestricted or access.principal is None:
        return filters
    if Reach.NETWORK in access.reaches:
        networks = access.networks(filters.get("network_id"))
        return None if networks == [] else filters | {"network_id": networks}  # a list: any of them
    if person_field and Reach.OWN in access.reaches:
        if filters.get(person_field, access.person) != access.person:
            return None
        return filters | {person_field: access.person}
    return None


async def _visible_subscription(service: Notifications, subscription_id: str, access: Grant) -> Subscription:
    found = await service.webhooks.subscription(subscription_id)
    access.require(f"subscription {subscription_id}", network_id=found.network_id)
    return found


# -- delivery log -----------------------------------------------------------------------------

@deliveries.get("", response_model=list[NotificationPublic], summary="The delivery log, newest first")
async def list_deliveries(
    service: Service, access: Access, offset: Offset = 0, limit: Limit = 50, recipient_id: str | None = None,
    event_id: str | None = None, status_filter: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    kind: Kind | None = None, network_id: str | None = None,
) -> list[NotificationPublic]:
    filters = _scoped(access, _filters(recipient_id=recipient_id, event_id=event_id, network_id=network_id,
                                       status=status_filter.value if status_filter else None,
                                       kind=kind.value if kind else None), person_field="recipient_id")
    if filters is None:
        return []
    return [_as_seen_by(access, d) for d in await service.delivery_log.search(filters, offset, limit)]


@deliveries.get("/{delivery_id}", response_model=NotificationPublic, responses={404: {"description": "Unknown id"}})
async def get_delivery(delivery_id: str, service: Service, access: Access) -> NotificationPublic:
    record = await service.delivery_log.get(delivery_id)
    if record is None or not access.sees(network_id=record.network_id, person_ids=[record.recipient_id]):
        raise NotFound(f"no delivery {delivery_id}")
    return _as_seen_by(access, record)


def _as_seen_by(access: Grant, record: LoggedMail) -> NotificationPublic:
    """The record, with the address only for those who may see the person (admin, the person):
    a coordinator follows what went out in their networks, not where people receive mail."""
    sees_person = access.unrestricted or access.person == record.recipient_id
    return public(NotificationPublic, asdict(record if sees_person else replace(record, email=None)))


# -- reminders --------------------------------------------------------------------------------

@reminders.get("", response_model=list[ReminderPublic], summary="Stored reminders, soonest first")
async def list_reminders(service: Service, access: Access, offset: Offset = 0, limit: Limit = 50,
                         recipient_id: str | None = None, session_id: str | None = None,
                         measure_id: str | None = None, application_id: str | None = None,
                         network_id: str | None = None, status_filter: Annotated[str | None, Query(alias="status")] = None) -> list[ReminderPublic]:
    filters = _scoped(access, _filters(recipient_id=recipient_id, session_id=session_id, measure_id=measure_id,
                                       application_id=application_id, network_id=network_id,
                                       status=status_filter), person_field="recipient_id")
    if filters is None:
        return []
    return [public(ReminderPublic, asdict(r)) for r in await service.reminders.search(filters, offset, limit)]


# -- preferences ------------------------------------------------------------------------------

def _preferences_public(document: dict[str, Any]) -> PreferencesPublic:
    return public(PreferencesPublic, document, person_id=document["_id"], mandatory_categories=sorted(MANDATORY))


@preferences.get("/{person_id}", response_model=PreferencesPublic)
async def get_preferences(person_id: str, service: Service, access: Access) -> PreferencesPublic:
    access.require(f"person {person_id}", person_ids=[person_id])
    return _preferences_public(await service.preferences.get(person_id))


@preferences.put("/{person_id}", response_model=PreferencesPublic,
                 responses={422: {"description": "Invalid address, unknown language, or a mandatory category"}})
async def put_preferences(person_id: str, body: PreferencesUpdate, service: Service,
                          access: Access) -> PreferencesPublic:
    access.require(f"person {person_id}", person_ids=[person_id])
    stored = await service.preferences.put(person_id, language=body.language, opted_out=body.opted_out,
                                           email=str(body.email) if body.email else None)
    return _preferences_public(stored)


# -- webhook subscriptions --------------------------------------------------------------------

@subscriptions.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated,
                    responses={422: {"description": "Invalid URL, unknown event type, or a refused target"}})
async def subscribe(body: SubscriptionCreate, service: Service, access: Access) -> SubscriptionCreated:
    if not access.sees(network_id=body.network_id):
        raise refuse(f"the caller is granted no network {body.network_id}")
    created = await service.webhooks.subscribe(url=body.url, event_types=body.event_types,
                                               network_id=body.network_id, description=body.description)
    return public(SubscriptionCreated, asdict(created))  # the one response that shows the secret


@subscriptions.get("", response_model=list[SubscriptionPublic])
async def list_subscriptions(service: Service, access: Access, offset: Offset = 0, limit: Limit = 50, network_id: str | None = None,
                             status_filter: Annotated[SubscriptionStatus | None, Query(alias="status")] = None,
                             ) -> list[SubscriptionPublic]:
    filters = _scoped(access, _filters(network_id=network_id, status=status_filter.value if status_filter else None))
    if filters is None:
        return []
    return [public(SubscriptionPublic, asdict(s)) for s in await service.webhooks.subscriptions(filters, offset, limit)]


@subscriptions.get("/{subscription_id}", response_model=SubscriptionPublic,
                   summary="A subscription, with its state: active, paused (and why) or disabled")
async def get_subscription(subscription_id: str, service: Service, access: Access) -> SubscriptionPublic:
    found = await _visible_subscription(service, subscription_id, access)
    return public(SubscriptionPublic, asdict(found))


@subscriptions.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def unsubscribe(subscription_id: str, service: Service, access: Access) -> Response:
    await _visible_subscription(service, subscription_id, access)
    await service.webhooks.unsubscribe(subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@subscriptions.post("/{subscription_id}/resumption", response_model=SubscriptionPublic,
                    summary="Resume a paused subscription; its held deliveries go out again")
async def resume(subscription_id: str, service: Service, access: Access) -> SubscriptionPublic:
    await _visible_subscription(service, subscription_id, access)
    resumed = await service.webhooks.resume(subscription_id)
    return public(SubscriptionPublic, asdict(resumed))


@subscriptions.get("/{subscription_id}/deliveries", response_model=list[WebhookDeliveryPublic],
                   summary="The subscription's delivery log, newest first")
async def list_webhook_deliveries(
    subscription_id: str, service: Service, access: Access, offset: Offset = 0, limit: Limit = 50,
    status_filter: Annotated[WebhookDeliveryStatus | None, Query(alias="status")] = None,
    event_type: str | None = None,
) -> list[WebhookDeliveryPublic]:
    await _visible_subscription(service, subscription_id, access)
    found = await service.webhooks.deliveries(subscription_id, status_filter.value if status_filter else None,
                                              event_type, offset, limit)
    return [_delivery_public(d) for d in found]


@subscriptions.get("/{subscription_id}/deliveries/{event_id}", response_model=WebhookDeliveryPublic)
async def get_webhook_delivery(subscription_id: str, event_id: str, service: Service, access: Access) -> WebhookDeliveryPublic:
    await _visible_subscription(service, subscription_id, access)
    return _delivery_public(await service.webhooks.delivery(subscription_id, event_id))


@subscriptions.post("/{subscription_id}/deliveries/{event_id}/redelivery", status_code=status.HTTP_202_ACCEPTED,
                    response_model=WebhookDeliveryPublic, summary="Send a past event to the endpoint again")
async def redeliver(subscription_id: str, event_id: str, service: Service, access: Access) -> WebhookDeliveryPublic:
    await _visible_subscription(service, subscription_id, access)
    return _delivery_public(await service.webhooks.redeliver(subscription_id, event_id))


def _delivery_public(delivery: WebhookDelivery) -> WebhookDeliveryPublic:
    """The delivery as integrators see it: named by its event id, a next attempt only while pending."""
    pending = delivery.status == WebhookDeliveryStatus.PENDING
    return public(WebhookDeliveryPublic, asdict(delivery) | {"next_attempt_at": delivery.next_attempt_at if pending else None},
                  id=delivery.event_id)


ROUTERS = (deliveries, reminders, preferences, subscriptions)
