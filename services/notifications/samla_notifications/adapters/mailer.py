"""Outgoing mail: composing the MIME message, and sending it over SMTP with aiosmtplib.

Every message is multipart/alternative with a plain-text part first and an HTML part
(clients show the last part they understand); a session reminder wraps that in
multipart/mixed with the .ics file attached.

Messages are built with the standard library's compat32 classes (`email.mime`), not
`EmailMessage`: the latter parses every header it is given into objects and folds them
again when the mail is written, which cost more CPU than everything else a mail needs
together (docs/profiles/README.md, notifications_burst). Headers we set are ours, made
safe here (`header_safe`) and encoded with RFC 2047 when not ASCII; the bodies go base64.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from datetime import datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib
from aiosmtplib.errors import (
    SMTPException,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from samla_notifications.adapters.templates import RenderedMail

log = logging.getLogger("samla.notifications.smtp")
tracer = trace.get_tracer("samla.notifications.smtp")


class MailRejected(Exception):
    """The SMTP server refused the message for good (5xx): sending it again would not help."""


class MailServerUnavailable(ConnectionError):
    """The SMTP server is away or answered "try later" (4xx). A ConnectionError, so the
    event consumer retries instead of dead-lettering."""


UTF8 = Charset("utf-8")
UTF8.body_encoding = BASE64  # any line length, any character; encoded in C


def compose_message(
    *, sender: str, to_name: str | None, to_address: str, rendered: RenderedMail, message_id: str,
    language: str, date: datetime, kind: str, calendar: bytes | None = None,
) -> Message:
    alternatives = MIMEMultipart("alternative", _subparts=[MIMEText(rendered.text, "plain", UTF8),
                                                           MIMEText(rendered.html, "html", UTF8)])
    message: Message = alternatives
    if calendar is not None:
        attachment = MIMEText(calendar.decode(), "calendar", UTF8)
        attachment.set_param("method", "PUBLISH")
        attachment.add_header("Content-Disposition", "attachment", filename="samla.ics")
        message = MIMEMultipart("mixed", _subparts=[alternatives, attachment])
    message["From"] = sender
    message["To"] = formataddr((header_safe(to_name), to_address), charset="utf-8")
    message["Subject"] = _encoded(header_safe(rendered.subject))
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    # Tells mail servers and out-of-office responders that no human wrote this (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message["X-Samla-Notification"] = kind
    message["Content-Language"] = language
    return message


def _encoded(text: str) -> str | Header:
    """The text as it may stand in a header: as it is when ASCII, else RFC 2047 encoded words."""
    return text if text.isascii() else Header(text, "utf-8")


def header_safe(text: str | None) -> str:
    """Text fit for a header field: line breaks and other control characters become spaces.

    A display name comes from whatever a person typed into a form; one with a line break
    would otherwise make the header invalid (the mail fails and its event is dead-lettered)
    or, written raw, start a header of the sender's choosing.
    """
    if not text:
        return ""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    return " ".join(cleaned.split())


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "samla.local"


class SmtpMailer:
    """Sends through a small pool of open SMTP connections, reconnecting when one went stale."""

    def __init__(self, host: str, port: int, *, username: str | None = None, password: str | None = None,
                 use_tls: bool = False, start_tls: bool = False, timeout: float = 10.0, connections: int = 2) -> None:
        self._options = {"hostname": host, "port": port, "username": username, "password": password,
                         "use_tls": use_tls, "start_tls": start_tls, "timeout": timeout}
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[aiosmtplib.SMTP] = []

    async def send(self, message: Message) -> None:
        # A client span per hand-over, so the trace of an event ends at the mail server.
        attributes = {
            "server.address": self._options["hostname"], "server.port": self._options["port"],
            "network.transport": "tcp", "network.protocol.name": "smtp",
            "samla.notification.kind": message.get("X-Samla-Notification", ""),
        }
        with tracer.start_as_current_span("smtp send", kind=SpanKind.CLIENT, attributes=attributes,
                                          record_exception=False, set_status_on_exception=False) as span:
            try:
                await self._send_pooled(message)
            except (MailRejected, MailServerUnavailable) as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                span.set_attribute("error.type", type(exc).__name__)
                raise

    async def _send_pooled(self, message: Message) -> None:
        async with self._slots:
            if self._idle:
                connection = self._idle.pop()
                try:
                    await self._send_on(connection, message)
                    self._idle.append(connection)
                    return
                except SMTPServerDisconnected:
                    pass  # the server closed this pooled connection while it was idle: one fresh try
            connection = await self._connect()
            try:
                await self._send_on(connection, message)
            except SMTPServerDisconnected as exc:
                raise MailServerUnavailable("the SMTP server closed the connection") from exc
            self._idle.append(connection)

    async def _connect(self) -> aiosmtplib.SMTP:
        connection = aiosmtplib.SMTP(**self._options)
        try:
            await connection.connect()
        except (SMTPException, OSError) as exc:
            raise MailServerUnavailable(f"cannot connect to the SMTP server: {exc}") from exc
        return connection

    async def _send_on(self, connection: aiosmtplib.SMTP, message: Message) -> None:
        try:
            await connection.send_message(message)
        except SMTPServerDisconnected:
            await self._discard(connection)
            raise
        except (SMTPRecipientsRefused, SMTPRecipientRefused, SMTPSenderRefused, SMTPResponseException) as exc:
            await self._discard(connection)
            code = getattr(exc, "code", None) or _first_code(exc)
            if code is not None and code >= 500:
                raise MailRejected(f"the SMTP server refused the message: {exc}") from exc
            raise MailServerUnavailable(f"the SMTP server asked to try later: {exc}") from exc
        except (SMTPException, OSError) as exc:
            await self._discard(connection)
            raise MailServerUnavailable(f"sending failed: {exc}") from exc
        except BaseException:
            # Cancelled mid-transaction (shutdown, rebalance): the connection is in an unknown
            # SMTP state and must not go back to the pool.
            await self._discard(connection)
            raise

    @staticmethod
    async def _discard(connection: aiosmtplib.SMTP) -> None:
        try:
            connection.close()
        except Exception:  # already broken; nothing else to release
            log.debug("closing a failed SMTP connection", exc_info=True)

    async def close(self) -> None:
        while self._idle:
            connection = self._idle.pop()
            try:
                await connection.quit()
            except (SMTPException, OSError):
                connection.close()


def _first_code(exc: Exception) -> int | None:
    for refusal in getattr(exc, "recipients", []) or []:
        return getattr(refusal, "code", None)
    return None
