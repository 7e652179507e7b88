"""The enrollment service's app factory: `uvicorn samla_enrollment.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.enrollment import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_enrollment.adapters.repository import OUTBOX_COLLECTIONS, EnrollmentStore, ensure_indexes
from samla_enrollment.domain.errors import Conflict, NotFound, RuleViolation
from samla_enrollment.entrypoints.api import ROUTERS
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.settings import EnrollmentSettings


def create_app(settings: EnrollmentSettings | None = None) -> FastAPI:
    settings = settings or EnrollmentSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(
        settings,
        publishes={ENROLLMENT_TOPIC: EVENTS},
        outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=ensure_indexes,
    )
    app = build_service_app(
        runtime,
        title="Samla enrollment",
        description="Programmes, cohorts, leader-approved applications, seats and waitlists.",
        routers=ROUTERS,
        domain_errors={NotFound: 404, Conflict: 409, RuleViolation: 422},
    )
    app.state.enrollment = EnrollmentService(
        EnrollmentStore(runtime.db, settings.event_source), runtime.document_locks, runtime.relay.notify)
    return app
