"""The one place that wires notifications together: the runtime, stores, adapters, use cases, consumers, loops.

Tests and benchmarks replace the outside world here (a contact directory, a clock, a
mailer) instead of patching modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.clock import Clock, system_clock
from samla_shared.contract import enrollment, measures, sessions
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.security.client_credentials import client_credentials
from samla_notifications.adapters.contacts import HttpContactDirectory
from samla_notifications.adapters.delivery_log import DeliveryLog
from samla_notifications.adapters.indexes import ensure_indexes
from samla_notifications.adapters.mailer import SmtpMailer
from samla_notifications.adapters.personal_data import PersonalDataStore
from samla_notifications.adapters.ports import ContactDirectory, Mailer
from samla_notifications.adapters.preference_store import PreferenceStore
from samla_notifications.adapters.read_model import ReadModel
from samla_notifications.adapters.reminder_store import ReminderStore
from samla_notifications.adapters.retention_store import RetentionStore
from samla_notifications.adapters.templates import TemplateRenderer
from samla_notifications.adapters.webhook_client import WebhookPoster
from samla_notifications.adapters.webhook_store import WebhookStore
from samla_notifications.metrics import export_from_the_start
from samla_notifications.service_layer.delivery_log import DeliveryLogView
from samla_notifications.service_layer.event_handlers import EventHandlers
from samla_notifications.service_layer.mail import MailDelivery
from samla_notifications.service_layer.personal_data import PersonalData
from samla_notifications.service_layer.preferences import PreferenceService
from samla_notifications.service_layer.reminders import ReminderScheduler, StoredReminders
from samla_notifications.service_layer.retention import Retention
from samla_notifications.service_layer.webhooks import WebhookDispatcher, WebhookService
from samla_notifications.settings import NotificationsSettings

CONSUMED = ((ENROLLMENT_TOPIC, enrollment.EVENTS), (SESSIONS_TOPIC, sessions.EVENTS), (MEASURES_TOPIC, measures.EVENTS))


@dataclass(frozen=True)
class Notifications:
    """The runtime, and the use cases the routes, consumers and loops reach; the stores stay behind them."""

    runtime: ServiceRuntime
    settings: NotificationsSettings
    delivery_log: DeliveryLogView
    reminders: StoredReminders
    preferences: PreferenceService
    webhooks: WebhookService
    mail: MailDelivery
    personal_data: PersonalData
    handlers: EventHandlers
    scheduler: ReminderScheduler
    dispatcher: WebhookDispatcher
    retention: Retention


async def prepare_database(db: AsyncDatabase) -> None:
    """The runtime's database-ready hook: the indexes the stores' queries rely on."""
    await ensure_indexes(db)


def bootstrap(settings: NotificationsSettings, *, contacts: ContactDirectory | None = None,
              mailer: Mailer | None = None, clock: Clock = system_clock) -> Notifications:
    """Build the runtime, wire the service, and hand its consumers, loops and clients to the
    runtime, which starts and stops them."""
    runtime = ServiceRuntime(settings, on_database_ready=prepare_database)
    db, locks = runtime.db, runtime.document_locks
    export_from_the_start(settings.service_name)
    # The runtime closes these after it stopped the consumers, so an event in flight never
    # meets a closed client, and before it closes the database.
    if contacts is None:
        directory = HttpContactDirectory(settings.enrollment_url,
                                         credentials=client_credentials(settings, settings.enrollment_audience),
                                         timeout=settings.contact_timeout_seconds)
        runtime.close_at_stop("the enrollment contact client", directory.close)
        contacts = directory
    if mailer is None:
        smtp = SmtpMailer(
            settings.smtp_host, settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            use_tls=settings.smtp_use_tls, start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds, connections=settings.smtp_connections)
        runtime.close_at_stop("the SMTP client", smtp.close)
        mailer = smtp
    poster = WebhookPoster(settings.webhook_timeout_seconds)
    runtime.close_at_stop("the webhook HTTP client", poster.close)

    read_model = ReadModel(db, locks)
    delivery_log = DeliveryLog(db, locks)
    reminders = ReminderStore(db, locks)
    webhook_store = WebhookStore(db, locks, secret_key=settings.webhook_secret_key.get_secret_value())
    personal_data = PersonalData(PersonalDataStore(db), locks)
    mail = MailDelivery(settings=settings, log_store=delivery_log, preferences=PreferenceStore(db, locks),
                        contacts=contacts, renderer=TemplateRenderer(settings.templates_dir), mailer=mailer, clock=clock,
                        erasures=personal_data)
    webhooks = WebhookService(settings, webhook_store)
    notifications = Notifications(
        runtime=runtime, settings=settings, delivery_log=DeliveryLogView(delivery_log),
        reminders=StoredReminders(reminders), preferences=PreferenceService(PreferenceStore(db, locks), clock),
        webhooks=webhooks, mail=mail, personal_data=personal_data,
        handlers=EventHandlers(settings=settings, read_model=read_model, reminders=reminders, mail=mail,
                               webhooks=webhooks, locks=locks, clock=clock),
        scheduler=ReminderScheduler(settings=settings, reminders=reminders, read_model=read_model, mail=mail,
                                    clock=clock),
        dispatcher=WebhookDispatcher(settings, webhook_store, webhooks, poster),
        retention=Retention(RetentionStore(db, locks), delivery_log=settings.delivery_log_retention,
                            webhook_bodies=settings.webhook_body_retention, now=clock),
    )
    if settings.run_schedulers:
        # The loops write (reminders, webhook deliveries, expiry): on the writing instance only.
        runtime.run_in_background("reminder-scheduler", notifications.scheduler.run)
        runtime.run_in_background("webhook-dispatcher", notifications.dispatcher.run)
        runtime.run_in_background(
            "retention", lambda: notifications.retention.run(settings.retention_interval_seconds))
    consume_events(runtime, settings, notifications)
    return notifications


def consume_events(runtime: ServiceRuntime, settings: NotificationsSettings, notifications: Notifications) -> None:
    """Subscribe every event notifications hears of; an erasure is carried out before integrators hear of it."""
    erasure = notifications.personal_data

    async def erase_then_tell_integrators(event: CloudEvent) -> None:
        await erasure.on_erased(event)
        await notifications.handlers.handle(event)  # webhook subscribers hear of it too (ids only)

    for topic, events in CONSUMED:
        handlers = {event: notifications.handlers.handle for event in events}
        if ParticipantErased in handlers:
            handlers[ParticipantErased] = erase_then_tell_integrators
        batched = settings.event_batch_size > 1
        runtime.consume(topic, handlers, batch_size=settings.event_batch_size,
                        concurrency=settings.event_concurrency if batched else 1,
                        batch_scope=notifications.handlers.prepared if batched else None)
