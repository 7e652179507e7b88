"""The measures service's app factory: `uvicorn samla_measures.entrypoints.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract import MEASURES_TOPIC
from samla_shared.contract.measures import EVENTS
from samla_shared.http.app_factory import build_service_app
from samla_shared.service_runtime import ServiceRuntime
from samla_shared.structured_logging import configure_logging
from samla_measures.settings import MeasuresSettings

OUTBOX_COLLECTIONS = ("measures",)


async def ensure_indexes(db: AsyncDatabase) -> None:
    await db.measures.create_index([("outbox_pending", ASCENDING)])


def create_app(settings: MeasuresSettings | None = None) -> FastAPI:
    settings = settings or MeasuresSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(
        settings, publishes={MEASURES_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
        on_database_ready=ensure_indexes,
    )
    return build_service_app(
        runtime, title="Samla measures",
        description="Toolbox, workplace measures owned in party cooperation, indicators, follow-ups, network insight.",
        routers=(), domain_errors={},
    )
