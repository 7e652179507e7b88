"""Exactly one mail per recipient per fact: delivery keys, states, and the rule for a claimed send.

Before a mail is handed to SMTP, a delivery record keyed by (fact, recipient, kind) is
inserted in state `sending`; the insert is atomic (unique `_id`), so only one worker wins
it. After the server accepted the message the record becomes `sent`, and any later
attempt for the same key is skipped.

A record still `sending` when someone else looks at it means either that a worker is
sending right now, or that the worker died between claiming and recording the outcome.
While the claim is younger than the lease we wait; after that we send again with the
*same* Message-ID. That is the only window in which a recipient can get two copies: the
process must die after the SMTP server answered "250" and before the following database
write, a few milliseconds. The alternative, never resending a stale claim, would lose the
mail whenever the crash came before the server accepted it, which is the far likelier case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class DeliveryStatus(StrEnum):
    SENDING = "sending"        # claimed; the outcome is not recorded yet
    RETRYING = "retrying"      # the last attempt failed for a reason that may pass (server away)
    FAILED = "failed"          # the mail could not be produced (template error); replaying the event retries
    SENT = "sent"              # the SMTP server accepted it
    REJECTED = "rejected"      # the SMTP server refused it for good (e.g. unknown mailbox)
    OPTED_OUT = "opted_out"    # the recipient turned this category off
    NO_CONTACT = "no_contact"  # enrollment knows no e-mail address for the recipient
    EXPIRED = "expired"        # the fact was too old when it reached us (a replay of history)


@dataclass(frozen=True)
class LoggedMail:
    """One record of the delivery log as callers read it (the log maps its documents to these).

    `id` is the delivery key (fact, recipient, kind); `attempts` lists each try (`at`, `outcome`,
    `error`); `email` and `language` are known once the mail was addressed.
    """

    id: str
    channel: str | None = None
    kind: str | None = None
    category: str | None = None
    status: str | None = None
    recipient_id: str | None = None
    email: str | None = None
    language: str | None = None
    event_id: str | None = None
    event_type: str | None = None
    fact_id: str | None = None
    network_id: str | None = None
    attempts: list[dict[str, Any]] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None


# Outcomes that end the story of a delivery key: a redelivered event changes nothing.
FINAL = frozenset({DeliveryStatus.SENT, DeliveryStatus.REJECTED, DeliveryStatus.OPTED_OUT,
                   DeliveryStatus.NO_CONTACT, DeliveryStatus.EXPIRED})


class ClaimOutcome(StrEnum):
    SEND = "send"
    SKIP = "skip"
    WAIT = "wait"


def delivery_key(fact_id: str, recipient_id: str, kind: str) -> str:
    return f"{fact_id}:{recipient_id}:{kind}"


def message_id(key: str, domain: str) -> str:
    """A Message-ID derived from the delivery key, so a resend carries the same one."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def is_stale(occurred_at: datetime, now: datetime, horizon: timedelta) -> bool:
    """A fact older than the horizon is not mailed.

    A new deployment's consumers start from the earliest retained events to build their
    read models; without a horizon, that replay would mail people about every application
    and session of the past months.
    """
    return now - occurred_at > horizon


def decide_claim(status: str, claimed_at: datetime | None, now: datetime, lease: timedelta) -> ClaimOutcome:
    """What to do with an existing delivery record of the key we are about to send."""
    if status in FINAL:
        return ClaimOutcome.SKIP
    if status == DeliveryStatus.SENDING and claimed_at is not None and now - claimed_at < lease:
        return ClaimOutcome.WAIT
    return ClaimOutcome.SEND
