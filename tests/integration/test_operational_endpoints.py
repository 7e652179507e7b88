"""Every service exposes the same operational surface: health, metrics, OpenAPI and AsyncAPI."""

from __future__ import annotations

import pytest

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings

SERVICES = {
    "enrollment": (create_enrollment, EnrollmentSettings),
    "sessions": (create_sessions, SessionsSettings),
    "measures": (create_measures, MeasuresSettings),
    "notifications": (create_notifications, NotificationsSettings),
}


@pytest.mark.parametrize("name", SERVICES)
async def test_every_service_reports_health_metrics_and_its_api_documents(name, service):
    create_app, settings = SERVICES[name]
    async with service(create_app, settings) as client:
        assert (await client.get("/health/live")).json() == {"status": "live"}
        assert (await client.get("/health/ready")).json() == {"status": "ready"}

        metrics = await client.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        for family in ("samla_outbox_backlog", "samla_consumer_lag", "samla_dlq_messages_total",
                       "samla_http_requests_total"):
            assert f"# TYPE {family} " in metrics.text, family

        openapi = (await client.get("/openapi.json")).json()
        assert openapi["info"]["title"] == f"Samla {name}"
        assert "/health/ready" in openapi["paths"]

        asyncapi = (await client.get("/asyncapi.json")).json()
        assert asyncapi["asyncapi"].startswith("3.")
        addresses = {channel["address"] for channel in asyncapi.get("channels", {}).values()}
        expected = {"enrollment": {"samla.enrollment.v1"}, "sessions": {"samla.sessions.v1", "samla.enrollment.v1"},
                    "measures": {"samla.measures.v1"}, "notifications": set()}[name]
        assert expected <= addresses


async def test_the_outbox_backlog_is_exported_per_service(service):
    async with service(create_enrollment, EnrollmentSettings) as client:
        metrics = (await client.get("/metrics")).text
        assert 'samla_outbox_backlog{service="enrollment"}' in metrics
        assert 'samla_outbox_oldest_age_seconds{service="enrollment"}' in metrics


async def test_consumer_lag_is_exported_per_partition_of_each_consumed_topic(service, wait_until):
    async with service(create_sessions, SessionsSettings) as client:
        async def lag_lines() -> list[str]:
            text = (await client.get("/metrics")).text
            return [line for line in text.splitlines()
                    if line.startswith("samla_consumer_lag{") and 'topic="samla.enrollment.v1"' in line]

        lines = await wait_until(lag_lines)
        partitions = {line.split('partition="')[1].split('"')[0] for line in lines}
        assert partitions == {str(p) for p in range(6)}
