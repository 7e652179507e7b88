"""Where a mail sends its reader to act: pages of the web portal, by the paths agreed with it.

Mails carry a path; the portal's base URL is the deployment's (`NOTIFICATIONS_PORTAL_URL`)
and is put in front when the mail is composed, so a reminder stored today still links to
the right place if the portal moves before it fires.
"""

from __future__ import annotations

from urllib.parse import quote

from samla_notifications.domain.kinds import Kind

# A participant follows their applications, waitlist place, plan and completion on one page.
PARTICIPANT_PAGE = "/me"

# Mails to an applicant or participant: each links to their own page.
PARTICIPANT_KINDS = frozenset({
    Kind.APPLICATION_RECEIVED, Kind.APPLICATION_APPROVED, Kind.APPLICATION_DECLINED, Kind.ENROLLED,
    Kind.WAITLISTED, Kind.PROMOTED, Kind.SEAT_OFFERED, Kind.SESSION_SCHEDULED, Kind.SESSION_RESCHEDULED, Kind.SESSION_CANCELLED,
    Kind.SESSION_REMINDER, Kind.COMPLETED, Kind.ABSENCE_RECORDED,
})


def application_page(application_id: str) -> str:
    """Where the manager named in an application decides it."""
    return f"/applications/{quote(application_id, safe='')}"


def measure_page(measure_id: str) -> str:
    """Where a leader or representative agrees to a measure and records its follow-ups."""
    return f"/measures/{quote(measure_id, safe='')}"


def default_page(kind: Kind) -> str | None:
    return PARTICIPANT_PAGE if kind in PARTICIPANT_KINDS else None


def portal_link(base_url: str, path: str | None) -> str | None:
    return f"{base_url.rstrip('/')}{path}" if path else None
