"""Webhook rules: Standard Webhooks signatures, the retry schedule, target URLs, subscription states."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from samla_notifications.domain.errors import RuleViolation

SECRET_PREFIX = "whsec_"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"      # kept failing; deliveries wait until the integrator resumes it
    DISABLED = "disabled"  # the receiver answered 410 Gone, or the integrator deleted it


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up: the retry window ended, or the receiver is gone


@dataclass(frozen=True)
class Subscription:
    """A webhook subscription as the use cases and the API read it (the store maps its documents to these)."""

    id: str
    url: str
    event_types: list[str]
    network_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    status_reason: str | None = None
    consecutive_failures: int = 0
    paused_at: datetime | None = None
    disabled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    # The signing secret in plain text only when just made (shown once), or on a subscription
    # stored before secrets were sealed; otherwise the store keeps it sealed and opens it per delivery.
    secret: str | None = field(default=None, repr=False)
    secret_sealed: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Listener:
    """What deciding who hears an event needs of a live (active or paused) subscription."""

    id: str
    network_id: str
    event_types: list[str]


@dataclass(frozen=True)
class WebhookAttempt:
    """One POST of a delivery and what came of it (the receiver's status code, never its body)."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


@dataclass(frozen=True)
class WebhookDelivery:
    """One event queued for one subscription, as the use cases and the API read it (the store maps
    its documents to these). Its key is `delivery_id(subscription_id, event_id)`."""

    subscription_id: str
    event_id: str
    event_type: str
    network_id: str
    status: str
    next_attempt_at: datetime
    expires_at: datetime
    created_at: datetime
    attempts_made: int = 0
    attempts: tuple[WebhookAttempt, ...] = ()
    delivered_at: datetime | None = None
    last_error: str | None = None
    traceparent: str | None = None
    redelivery_requested_at: datetime | None = None
    # The exact bytes signed and sent (as text); None in listings (read without it) and once
    # retention dropped the event copy of a settled delivery.
    body: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return delivery_id(self.subscription_id, self.event_id)


def delivery_id(subscription_id: str, event_id: str) -> str:
    """A delivery's key: one per subscription and event, so an event delivered twice queues one POST."""
    return f"{subscription_id}:{event_id}"


# -- signatures (https://www.standardwebhooks.com) ------------------------------------------

def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


# -- retries --------------------------------------------------------------------------------

def retry_delay(failed_attempts: int, *, base_seconds: float, max_delay_seconds: float) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base, … capped at `max_delay_seconds`."""
    exponent = min(max(failed_attempts - 1, 0), 40)
    return timedelta(seconds=min(base_seconds * 2**exponent, max_delay_seconds))


def next_attempt_at(failed_attempts: int, now: datetime, deadline: datetime, *, base_seconds: float,
                    max_delay_seconds: float) -> datetime | None:
    """When to try again, or None when the next try would fall after the delivery's deadline."""
    at = now + retry_delay(failed_attempts, base_seconds=base_seconds, max_delay_seconds=max_delay_seconds)
    return at if at <= deadline else None


def should_pause(consecutive_failures: int, threshold: int) -> bool:
    return consecutive_failures >= threshold


# -- target URLs ----------------------------------------------------------------------------

def parse_target(url: str, *, require_https: bool = False) -> str:
    """Check the form of a webhook URL; return the host to resolve. Refuses with the reason.

    Production requires https: the body is personal-adjacent and the signature does not hide it.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RuleViolation("a webhook URL must use http or https")
    if require_https and parts.scheme != "https":
        raise RuleViolation("a webhook URL must use https")
    if not parts.hostname:
        raise RuleViolation("a webhook URL must name a host")
    if parts.username or parts.password:
        raise RuleViolation("a webhook URL must not carry credentials; the signature authenticates us")
    return parts.hostname


def check_addresses(host: str, addresses: Iterable[str], *, allow_private: bool) -> None:
    """Refuse a host that resolves to a loopback, private, link-local or otherwise non-public address.

    Every address counts: a name with one public and one private address could be steered
    to the private one. Such targets are allowed only when the deployment explicitly says so
    for local development.
    """
    resolved = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    if not resolved:
        raise RuleViolation(f"the webhook host {host!r} does not resolve")
    if allow_private:
        return
    for address in resolved:
        if not address.is_global or address.is_multicast:
            raise RuleViolation(
                f"the webhook host {host!r} resolves to {address}, which is not a public address; "
                "loopback and private targets are refused")
