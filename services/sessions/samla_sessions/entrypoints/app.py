"""The sessions service's app factory: `uvicorn samla_sessions.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from samla_shared.contract import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.sessions import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_sessions.adapters.repository import OUTBOX_COLLECTIONS, RosterStore, ensure_indexes
from samla_sessions.entrypoints.api import ROUTERS
from samla_sessions.service_layer.roster_projection import RosterProjection
from samla_sessions.settings import SessionsSettings


def create_app(settings: SessionsSettings | None = None) -> FastAPI:
    settings = settings or SessionsSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(
        settings,
        publishes={SESSIONS_TOPIC: EVENTS},
        outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=ensure_indexes,
    )
    store = RosterStore(runtime.db)
    runtime.consume(ENROLLMENT_TOPIC, RosterProjection(store).handlers())
    app = build_service_app(
        runtime,
        title="Samla sessions",
        description="Gatherings of a cohort, its roster (built from enrollment events), attendance and completion.",
        routers=ROUTERS,
        domain_errors={},
    )
    app.state.roster_store = store
    return app
