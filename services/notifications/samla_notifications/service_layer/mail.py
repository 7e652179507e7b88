"""MailDelivery: turns a notice into exactly one mail, or into a recorded reason why not.

The order of the steps is the point:
1. a finished delivery key is skipped at once (redelivered events cost one read);
2. preferences and contact details are read, the language chosen, and the whole mail
   rendered and composed *before* anything is claimed, so a template error never leaves a
   claim behind and never sends part of a mail;
3. the delivery key is claimed by an atomic insert, the mail handed to SMTP, the outcome
   recorded. See domain.deliveries for what a claim found still `sending` means.

Contact details are asked for once per consumed batch of events, for everyone the batch
names, and their preferences read beside that (`prepared_for`, opened by the consumer
around the batch); both are kept only while the batch is handled. Anyone else (a
session's roster, a reminder's recipient) is read per mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from samla_shared.clock import Clock
from samla_notifications.adapters.calendar import session_calendar
from samla_notifications.adapters.contacts import (
    BatchLookUpUnsupported,
    Contact,
    ContactDirectoryUnavailable,
)
from samla_notifications.adapters.mailer import MailRejected, compose_message, sender_domain
from samla_notifications.adapters.ports import (
    ContactDirectory,
    DeliveryLogRepository,
    Mailer,
    MailRenderer,
    PreferenceRepository,
)
from samla_notifications.adapters.templates import TemplateRenderFailed
from samla_notifications.domain.deliveries import (
    ClaimOutcome,
    DeliveryStatus,
    delivery_key,
    is_stale,
    message_id,
)
from samla_notifications.domain.kinds import CATEGORY_OF, Category, is_wanted
from samla_notifications.domain.language import choose_language
from samla_notifications.domain.links import portal_link
from samla_notifications.domain.notices import Notice
from samla_notifications.metrics import NOTIFICATIONS
from samla_notifications.service_layer.personal_data import PersonalData
from samla_notifications.settings import NotificationsSettings

log = logging.getLogger("samla.notifications.mail")


class DeliveryInFlight(ConnectionError):
    """Another worker claimed this delivery moments ago. A ConnectionError, so the consumer
    pauses and tries again (by then it is sent, or the claim has expired) instead of
    dead-lettering the event."""


@dataclass(frozen=True)
class _ReadAhead:
    """What one consumed batch read about the people it names."""

    contacts: dict[str, Contact | None] | None  # None: ask per mail; a value None: enrollment knows nobody by that id
    preferences: dict[str, dict[str, Any]]  # only those who set any


@dataclass(frozen=True)
class _Prepared:
    people: frozenset[str]
    read: asyncio.Task[_ReadAhead]


# The batch being handled in this task (and the tasks it starts): set by `prepared_for`.
_prepared: ContextVar[_Prepared | None] = ContextVar("samla_notifications_prepared", default=None)


class MailDelivery:
    def __init__(self, *, settings: NotificationsSettings, log_store: DeliveryLogRepository, preferences: PreferenceRepository,
                 contacts: ContactDirectory, renderer: MailRenderer, mailer: Mailer, clock: Clock,
                 erasures: PersonalData) -> None:
        self._settings = settings
        self._erasures = erasures
        self._log = log_store
        self._preferences = preferences
        self._contacts = contacts
        self._renderer = renderer
        self._mailer = mailer
        self._clock = clock
        self._lease = timedelta(seconds=settings.send_lease_seconds)
        self._horizon = timedelta(hours=settings.mail_horizon_hours)
        self._domain = sender_domain(settings.smtp_sender)
        self._service = settings.service_name

    @asynccontextmanager
    async def prepared_for(self, person_ids: Collection[str]) -> AsyncIterator[None]:
        """Ask enrollment once for these people's contact details, and read their preferences, for the mails within.

        Without it every mail asked enrollment over HTTP on its own, and read its recipient's
        preferences before that. The reading starts at once and runs beside the batch's
        handlers, which wait for it only when they reach a mail to one of these people;
        anyone else is read per mail. If enrollment cannot answer now, or is too old to answer
        for many at once, each mail asks for its own (and waits and retries as it always did).
        """
        if not person_ids:
            yield
            return
        wanted = sorted(person_ids)
        read = asyncio.create_task(self._read_ahead(wanted), name="notifications-read-ahead")
        token = _prepared.set(_Prepared(people=frozenset(wanted), read=read))
        try:
            yield
        finally:
            _prepared.reset(token)
            read.cancel()
            with contextlib.suppress(BaseException):  # its outcome went to the mails that waited for it
                await read

    async def _read_ahead(self, wanted: list[str]) -> _ReadAhead:
        async def contacts() -> dict[str, Contact | None] | None:
            try:
                return await self._contacts.contacts(wanted)
            except BatchLookUpUnsupported as exc:
                log.info("enrollment has no batch contact look-up (%s); asking per mail", exc)
            except ContactDirectoryUnavailable as exc:
                log.warning("the batch contact look-up failed (%s); asking per mail", exc)
            return None

        found, preferences = await asyncio.gather(contacts(), self._preferences.get_many(wanted))
        return _ReadAhead(contacts=found, preferences=preferences)

    async def _read_for(self, person_id: str) -> _ReadAhead | None:
        prepared = _prepared.get()
        if prepared is None or person_id not in prepared.people:
            return None
        # Shielded: a mail cancelled while waiting leaves the batch's reading to the others.
        return await asyncio.shield(prepared.read)

    async def _contact(self, person_id: str) -> Contact | None:
        read = await self._read_for(person_id)
        if read is not None and read.contacts is not None:
            return read.contacts.get(person_id)
        return await self._contacts.contact(person_id)

    async def _preferences_of(self, person_id: str) -> dict[str, Any] | None:
        read = await self._read_for(person_id)
        if read is not None:
            return read.preferences.get(person_id)
        return await self._preferences.get(person_id)

    async def deliver(self, notice: Notice) -> DeliveryStatus:
        # No read of the log first: the claim below finds a finished key anyway, and reading
        # first would cost every mail a round trip to spare the rare redelivery some work.
        key = delivery_key(notice.fact_id, notice.recipient_id, notice.kind)
        record: dict[str, Any] = {
            "channel": "email", "kind": notice.kind.value, "category": CATEGORY_OF[notice.kind].value,
            "recipient_id": notice.recipient_id, "event_id": notice.event_id, "event_type": notice.event_type,
            "fact_id": notice.fact_id, "network_id": notice.network_id,
        }
        if is_stale(notice.occurred_at, self._clock(), self._horizon):
            return await self._settle(key, record, DeliveryStatus.EXPIRED,
                                      f"the fact dates from {notice.occurred_at.isoformat()}, beyond the mail horizon")
        preferences = await self._preferences_of(notice.recipient_id) or {}
        opted_out = {Category(c) for c in preferences.get("opted_out", [])}
        if not is_wanted(notice.kind, opted_out):
            return await self._settle(key, record, DeliveryStatus.OPTED_OUT)

        contact = await self._contact(notice.recipient_id)
        address = preferences.get("email") or (contact.email if contact else None)
        if not address:
            return await self._settle(key, record, DeliveryStatus.NO_CONTACT,
                                      "enrollment knows no e-mail address for this person")
        language = choose_language(
            preferred=preferences.get("language"), from_contact=contact.language if contact else None,
            network_default=self._settings.network_profile(notice.network_id).language)
        record |= {"email": address, "language": language}

        context = {**notice.context, "time_zone": notice.time_zone,
                   "recipient": {"name": contact.name if contact else None},
                   "link": portal_link(self._settings.portal_url, notice.link)}
        if notice.about_person_id:
            about = await self._contact(notice.about_person_id)
            context["applicant"] = {"name": about.name if about else None}
        now = self._clock()
        try:
            rendered = self._renderer.render(notice.kind.value, language, context, calendar=notice.calendar is not None)
        except TemplateRenderFailed as exc:
            await self._settle(key, record, DeliveryStatus.FAILED, str(exc))
            raise
        calendar = (session_calendar(notice.calendar, summary=rendered.calendar_summary or rendered.subject,
                                     stamp=now, language=language) if notice.calendar else None)
        message = compose_message(
            sender=self._settings.smtp_sender, to_name=contact.name if contact else None, to_address=address,
            rendered=rendered, message_id=message_id(key, self._domain), language=language, date=now,
            kind=notice.kind.value, calendar=calendar)

        claim = await self._log.claim(key, record, now=now, lease=self._lease)
        if claim is ClaimOutcome.SKIP:
            return DeliveryStatus.SENT
        if claim is ClaimOutcome.WAIT:
            raise DeliveryInFlight(f"delivery {key} is being sent by another worker")
        if (alias := await self._erasures.erased_as(notice.recipient_id)) is not None:
            # Erased while this mail was prepared (service_layer.personal_data): nothing goes out, and
            # the claim, which holds the address, becomes the pseudonym's statistic.
            await self._log.finish(key, DeliveryStatus.NO_CONTACT, at=self._clock(), error=None)
            await self._erasures.forget_delivery(key, alias)
            NOTIFICATIONS.labels(self._service, "email", DeliveryStatus.NO_CONTACT.value).inc()
            return DeliveryStatus.NO_CONTACT
        try:
            await self._mailer.send(message)
        except MailRejected as exc:
            await self._log.finish(key, DeliveryStatus.REJECTED, at=self._clock(), error=str(exc))
            NOTIFICATIONS.labels(self._service, "email", DeliveryStatus.REJECTED.value).inc()
            log.warning("mail %s rejected for good: %s", key, exc)
            return DeliveryStatus.REJECTED
        except Exception as exc:
            # The server did not accept it, so sending again is safe: no lease to wait for.
            await self._log.finish(key, DeliveryStatus.RETRYING, at=self._clock(), error=f"{type(exc).__name__}: {exc}")
            NOTIFICATIONS.labels(self._service, "email", DeliveryStatus.RETRYING.value).inc()
            raise
        await self._log.finish(key, DeliveryStatus.SENT, at=self._clock())
        NOTIFICATIONS.labels(self._service, "email", DeliveryStatus.SENT.value).inc()
        return DeliveryStatus.SENT

    async def _settle(self, key: str, record: dict[str, Any], status: DeliveryStatus,
                      reason: str | None = None) -> DeliveryStatus:
        await self._log.record(key, record, status, at=self._clock(), error=reason)
        NOTIFICATIONS.labels(self._service, "email", status.value).inc()
        return status
