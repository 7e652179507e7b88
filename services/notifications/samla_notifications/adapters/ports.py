"""The stores and clients the use cases talk to, as Protocols: the service layer types against these, the
Mongo adapters implement them, and the in-memory fakes in `tests/fakes.py` do too.

Criteria and changes are plain: a search names fields and the value each must have (a list:
any of its values); a change is a function of the current record (a subscription, a webhook delivery)
that returns the fields to set, or None to leave it as it is. The MongoDB syntax for both lives in the adapters.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from email.message import Message
from typing import Any, Protocol

from samla_notifications.adapters.contacts import Contact
from samla_notifications.adapters.templates import RenderedMail
from samla_notifications.adapters.webhook_client import PostOutcome
from samla_notifications.domain.deliveries import ClaimOutcome, DeliveryStatus, LoggedMail
from samla_notifications.domain.known_facts import (
    KnownApplication,
    KnownCohort,
    KnownInterest,
    KnownMeasure,
    KnownProgramme,
    KnownSession,
)
from samla_notifications.domain.reminders import Reminder
from samla_notifications.domain.webhooks import Listener, Subscription, WebhookAttempt, WebhookDelivery

Criteria = Mapping[str, Any]
DeliveryChange = Callable[[WebhookDelivery], dict[str, Any] | None]
SubscriptionChange = Callable[[Subscription], dict[str, Any] | None]


class ReadModelRepository(Protocol):
    """What notifications keeps of other services' facts, to address and word its mail
    (implemented by `read_model.ReadModel`). Saves upsert; a redelivered event changes nothing."""

    async def save_programme(self, programme_id: str, **fields: Any) -> None: ...

    async def programme(self, programme_id: str | None) -> KnownProgramme | None: ...

    async def save_cohort(self, cohort_id: str, **fields: Any) -> None: ...

    async def cohort(self, cohort_id: str | None) -> KnownCohort | None: ...

    async def enrol(self, cohort_id: str, participant_id: str) -> None: ...

    async def unenrol(self, cohort_id: str, participant_id: str) -> None: ...

    async def roster(self, cohort_id: str) -> list[str]: ...

    async def save_application(self, application_id: str, **fields: Any) -> None: ...

    async def application(self, application_id: str) -> KnownApplication | None: ...

    async def application_in(self, cohort_id: str, participant_id: str) -> KnownApplication | None: ...

    async def save_session(self, session_id: str, **fields: Any) -> None: ...

    async def move_session(self, session_id: str, *, starts_at: datetime, ends_at: datetime, event_id: str,
                           reason: str) -> KnownSession | None:
        """Move the session; returns it as it was before (None if unknown)."""
        ...

    async def session(self, session_id: str) -> KnownSession | None: ...

    async def upcoming_sessions(self, cohort_id: str, after: datetime) -> list[KnownSession]: ...

    async def add_interest(self, interest_id: str, **fields: Any) -> None: ...

    async def interests_to_tell(self, programme_id: str, cohort_id: str) -> list[KnownInterest]: ...

    async def interest_told(self, interest_id: str, cohort_id: str) -> None: ...

    async def save_measure(self, measure_id: str, **fields: Any) -> None: ...

    async def measure(self, measure_id: str) -> KnownMeasure | None: ...


class ReminderRepository(Protocol):
    """Planned reminders (implemented by `reminder_store.ReminderStore`)."""

    async def add(self, reminders: Iterable[dict[str, Any]]) -> None:
        """Reminders that exist already (a redelivered event) are left as they are."""
        ...

    async def replace(self, selector: Criteria, reminders: Iterable[dict[str, Any]]) -> None: ...

    async def drop(self, selector: Criteria) -> int: ...

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        """Pending reminders whose moment has come, the earliest first."""
        ...

    async def mark(self, reminder: Reminder, status: str, at: datetime) -> None:
        """Close the reminder, unless its row was replaced meanwhile (another `fact_id`)."""
        ...

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[Reminder]:
        """Soonest first."""
        ...


class DeliveryLogRepository(Protocol):
    """One record per mail that should go out (implemented by `delivery_log.DeliveryLog`)."""

    async def get(self, key: str) -> LoggedMail | None: ...

    async def claim(self, key: str, record: dict[str, Any], *, now: datetime, lease: timedelta) -> ClaimOutcome:
        """Take the right to send this delivery now, or learn that it is done or being sent elsewhere."""
        ...

    async def finish(self, key: str, status: DeliveryStatus, *, at: datetime, error: str | None = None) -> None: ...

    async def record(self, key: str, record: dict[str, Any], status: DeliveryStatus, *, at: datetime,
                     error: str | None = None) -> None: ...

    async def search(self, filters: Criteria, offset: int, limit: int) -> list[LoggedMail]:
        """Newest first."""
        ...


class PreferenceRepository(Protocol):
    """People's language, opt-outs and own address (implemented by `preference_store.PreferenceStore`)."""

    async def get(self, person_id: str) -> dict[str, Any] | None: ...

    async def get_many(self, person_ids: Collection[str]) -> dict[str, dict[str, Any]]: ...

    async def put(self, person_id: str, preferences: dict[str, Any], at: datetime) -> dict[str, Any]: ...


class RetentionRepository(Protocol):
    """Forgetting what is past its retention (implemented by `retention_store.RetentionStore`)."""

    async def forget_mail_before(self, cutoff: datetime) -> int: ...

    async def forget_webhook_bodies_before(self, cutoff: datetime) -> int: ...

    async def forget_webhook_deliveries_before(self, cutoff: datetime) -> int: ...


class WebhookRepository(Protocol):
    """Webhook subscriptions and their deliveries (implemented by `webhook_store.WebhookStore`).

    A delivery is keyed by `delivery_id(subscription, event)`: queueing one twice queues it once.
    Changes run under the document's lock, so two rounds never both claim a delivery.
    """

    def signing_secret(self, subscription: Subscription) -> str: ...

    async def add_subscription(self, subscription: Subscription) -> None:
        """Store a new subscription; its secret (given in plain text) is kept only sealed."""
        ...

    async def subscription(self, subscription_id: str) -> Subscription | None: ...

    async def subscriptions(self, filters: Criteria, offset: int, limit: int) -> list[Subscription]:
        """Oldest first."""
        ...

    async def count_subscriptions(self, filters: Criteria) -> int: ...

    async def live_subscriptions(self) -> list[Listener]:
        """Active and paused subscriptions (their id, network and event types)."""
        ...

    async def active_subscription_ids(self) -> list[str]: ...

    async def update_subscription(self, subscription_id: str, change: SubscriptionChange) -> Subscription | None:
        """The subscription after `change`; None if there is no such subscription."""
        ...

    async def queue(self, delivery: WebhookDelivery) -> bool:
        """False when this delivery was queued before (nothing changes)."""
        ...

    async def delivery(self, subscription_id: str, event_id: str) -> WebhookDelivery | None: ...

    async def deliveries(self, filters: Criteria, offset: int, limit: int) -> list[WebhookDelivery]:
        """Newest first, without their bodies (`body` is None)."""
        ...

    async def due(self, subscription_ids: list[str], now: datetime, limit: int) -> list[WebhookDelivery]:
        """Pending deliveries of these subscriptions whose next attempt is due, the longest waiting first."""
        ...

    async def update_delivery(self, key: str, change: DeliveryChange) -> WebhookDelivery | None:
        """The delivery after `change`; None if there is no such delivery."""
        ...

    async def record_attempt(self, key: str, fields: dict[str, Any], attempt: WebhookAttempt) -> None:
        """Count one more attempt, append it to the delivery's history, and set `fields`."""
        ...

    async def restart_held(self, subscription_id: str, now: datetime, deadline: datetime) -> None:
        """Pending deliveries of the subscription: due now, with `deadline` as their new window's end."""
        ...


class PersonalDataRepository(Protocol):
    """A person's data across notifications' collections, for access and erasure requests
    (implemented by `personal_data.PersonalDataStore`). Each erasing write is idempotent."""

    async def deliveries_to(self, person_id: str) -> list[dict[str, Any]]: ...

    async def preferences(self, person_id: str) -> dict[str, Any] | None: ...

    async def reminders_for(self, person_id: str) -> list[dict[str, Any]]: ...

    async def read_model_entries(self, person_id: str) -> dict[str, list[dict[str, Any]]]: ...

    async def delivery(self, key: str) -> dict[str, Any] | None: ...

    async def alias_of(self, person_id: str) -> str | None: ...

    async def mark_erased(self, person_id: str, alias: str) -> None: ...

    async def move_delivery(self, old: dict[str, Any], new_key: str, alias: str) -> None:
        """Keep the delivery under `new_key` and the alias, without address or error texts."""
        ...

    async def delete_preferences(self, person_id: str) -> int: ...

    async def delete_reminders(self, person_id: str) -> int: ...

    async def delete_reminder(self, reminder_id: str) -> int: ...

    async def delete_roster_and_interests(self, person_id: str) -> int: ...

    async def applications_naming(self, person_id: str) -> list[dict[str, Any]]: ...

    async def measures_naming(self, person_id: str) -> list[dict[str, Any]]: ...

    async def set_fields(self, collection: str, document_id: str, fields: dict[str, Any]) -> None:
        """The caller holds the document's lock."""
        ...


class WebhookSender(Protocol):
    """POSTs one webhook to its receiver (implemented by `webhook_client.WebhookPoster`)."""

    async def post(self, url: str, address: str, body: bytes, headers: dict[str, str]) -> PostOutcome:
        """`address` is the checked address to connect to (pinned); `url` names the host and path."""
        ...


class ContactDirectory(Protocol):
    """Where people's names, addresses and languages come from, at send time
    (implemented by `contacts.HttpContactDirectory`: enrollment)."""

    async def contact(self, person_id: str) -> Contact | None:
        """The person's contact details, or None when the directory does not know them."""
        ...

    async def contacts(self, person_ids: Collection[str]) -> dict[str, Contact | None]:
        """Several people's details in one request: every id asked is a key, None for those unknown.

        Raises `contacts.BatchLookUpUnsupported` when the directory has no batch look-up."""
        ...


class Mailer(Protocol):
    """Hands mail to a mail server (implemented by `mailer.SmtpMailer`)."""

    async def send(self, message: Message) -> None:
        """Return once the server accepted the message. Raises `mailer.MailRejected` when it refused
        it for good, `mailer.MailServerUnavailable` (a ConnectionError) when it is away."""
        ...


class MailRenderer(Protocol):
    """Words a notice's mail in a language (implemented by `templates.TemplateRenderer`)."""

    def render(self, kind: str, language: str, context: dict[str, Any], *, calendar: bool = False) -> RenderedMail:
        """Raises `templates.TemplateRenderFailed` when a part cannot be rendered: nothing half-rendered goes out."""
        ...


Resolver = Callable[[str], Awaitable[list[str]]]
"""Every address a host name resolves to, empty when it does not (`webhook_client.resolve`: DNS)."""
