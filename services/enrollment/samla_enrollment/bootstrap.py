"""The one place that wires enrollment together: the runtime, the stores, the use cases, the loops.

`entrypoints/app.py` only builds the HTTP app around what this returns. The runtime owns
the lifecycle: the offer watch and the retention loop run in the background on the writing
instance, and the cohort writer is closed when the runtime stops, each step bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.contract import ENROLLMENT_TOPIC
from samla_shared.contract.directory import EVENTS as DIRECTORY_EVENTS
from samla_shared.contract.enrollment import EVENTS
from samla_shared.service_runtime import ServiceRuntime
from samla_enrollment.adapters.directory import DIRECTORY_COLLECTIONS, DirectoryStore
from samla_enrollment.adapters.exports import ExportReader
from samla_enrollment.adapters.personal_data import PersonalDataStore
from samla_enrollment.adapters.repository import OUTBOX_COLLECTIONS, EnrollmentStore, ensure_indexes
from samla_enrollment.service_layer.directory import Directory
from samla_enrollment.service_layer.exports import CohortExports
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.offer_watch import run_offer_watch
from samla_enrollment.service_layer.privacy import PersonalData, run_retention
from samla_enrollment.settings import EnrollmentSettings


@dataclass(frozen=True)
class Enrollment:
    """What the routes use (each is put on `app.state` under its name)."""

    runtime: ServiceRuntime
    enrollment: EnrollmentService
    directory: Directory
    privacy: PersonalData
    exports: CohortExports

    async def prepare_database(self, db: AsyncDatabase) -> None:
        """Before the instance calls itself ready (and again after a failed attempt: each step is idempotent)."""
        await ensure_indexes(db)
        # A previous process may have stopped between an application write and its cohort
        # write; put every cohort level with its applications before calling ourselves ready.
        await self.enrollment.reconcile_all()
        await self.privacy.finish_unfinished()  # erasures recorded by a process that stopped before finishing


def bootstrap(settings: EnrollmentSettings) -> Enrollment:
    wired: Enrollment

    async def prepare_database(db: AsyncDatabase) -> None:
        await wired.prepare_database(db)

    runtime = ServiceRuntime(
        settings,
        publishes={ENROLLMENT_TOPIC: EVENTS + DIRECTORY_EVENTS},
        # The directory first: a network's registration goes out before the programmes naming it.
        outbox_collections=DIRECTORY_COLLECTIONS + OUTBOX_COLLECTIONS,
        on_database_ready=prepare_database,
    )
    db, locks, wake_relay = runtime.db, runtime.document_locks, runtime.relay.notify
    directory = Directory(DirectoryStore(db, settings.event_source), locks, wake_relay)
    enrollment = EnrollmentService(EnrollmentStore(db, settings.event_source), locks, wake_relay,
                                   directory=directory,
                                   fence=runtime.fence if runtime.election is not None else None)
    privacy = PersonalData(PersonalDataStore(db, settings.event_source), enrollment.people, locks, wake_relay)
    wired = Enrollment(runtime=runtime, enrollment=enrollment, directory=directory, privacy=privacy,
                       exports=CohortExports(enrollment.store, ExportReader(db), directory))

    # Both write: they run on the writing instance only.
    if settings.run_retention:
        runtime.run_in_background("application-retention", lambda: run_retention(
            privacy, retention=settings.application_retention, interval=settings.retention_interval_seconds))
    if settings.run_offer_watch:
        runtime.run_in_background("offer-watch", lambda: run_offer_watch(
            enrollment, interval=settings.offer_watch_interval_seconds))
    # No cohort writer outlives the database: its queued work is dropped before the client closes.
    runtime.close_at_stop("the cohort writers", enrollment.close)
    return wired
