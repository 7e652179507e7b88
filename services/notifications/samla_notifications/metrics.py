"""Prometheus metrics of notifications, served on /metrics with the rest of the process's metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

# One counter for both channels, so a dashboard can show e-mail and webhooks side by side:
# channel=email: status sent | rejected | retrying | failed | opted_out | no_contact
# channel=webhook: status delivered | retrying | failed | gone
NOTIFICATIONS = Counter("samla_notifications_total", "Notification attempts and their outcomes",
                        ["service", "channel", "status"])
PAUSED_SUBSCRIPTIONS = Gauge("samla_webhook_subscriptions_paused",
                             "Webhook subscriptions paused because their receiver keeps failing", ["service"])
REMINDERS_DUE = Gauge("samla_reminders_due", "Reminders whose moment has come, seen by the last scheduler round",
                      ["service"])


def export_from_the_start(service: str) -> None:
    """Show the sent and failed series (at 0) from the first scrape, not only after the first of each:
    a rate() over a series that does not exist yet draws nothing, and an alert on it never fires."""
    for channel, statuses in {"email": ("sent", "rejected", "retrying", "failed"),
                              "webhook": ("delivered", "retrying", "failed", "gone")}.items():
        for status in statuses:
            NOTIFICATIONS.labels(service, channel, status)
    PAUSED_SUBSCRIPTIONS.labels(service).set(0)
    REMINDERS_DUE.labels(service).set(0)
