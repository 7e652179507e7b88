"""The one place that wires sessions together: the runtime, stores, outside clients, use cases, consumers.

Tests replace the outside world here (enrollment's people directory, measures' toolbox, a
clock) instead of patching modules; the use-case tests build the same use cases over the
in-memory stores of `tests/fakes.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from samla_shared.clock import Clock, system_clock
from samla_shared.contract import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.sessions import EVENTS
from samla_shared.messaging.consumer import EventHandler
from samla_shared.persistence.document_locks import DocumentLocks
from samla_shared.security.client_credentials import client_credentials
from samla_shared.service_runtime import ServiceRuntime
from samla_sessions.adapters.calendar_feeds import CalendarFeedStore
from samla_sessions.adapters.people import HttpPeopleDirectory
from samla_sessions.adapters.personal_data import PersonalDataStore
from samla_sessions.adapters.ports import (
    CalendarFeedRepository,
    CompletionRepository,
    MethodCatalogue,
    PeopleDirectory,
    PersonalDataRepository,
    RosterRepository,
    SessionRepository,
)
from samla_sessions.adapters.repository import (
    OUTBOX_COLLECTIONS,
    CompletionStore,
    RosterStore,
    SessionStore,
    ensure_indexes,
)
from samla_sessions.adapters.toolbox import HttpToolbox
from samla_sessions.service_layer.calendar_feeds import CalendarFeeds
from samla_sessions.service_layer.completion import CompletionPolicy
from samla_sessions.service_layer.directory_names import DirectoryNames
from samla_sessions.service_layer.documents import SessionDocuments
from samla_sessions.service_layer.participant_plan import ParticipantPlan
from samla_sessions.service_layer.personal_data import PersonalData
from samla_sessions.service_layer.roster_projection import RosterProjection
from samla_sessions.service_layer.sessions import SessionService
from samla_sessions.settings import SessionsSettings


@dataclass
class Sessions:
    """The wired use cases the entry points and the consumer call."""

    roster: RosterRepository
    sessions: SessionService
    completion: CompletionPolicy
    plan: ParticipantPlan
    documents: SessionDocuments
    calendar_feeds: CalendarFeeds
    personal_data: PersonalData
    projection: RosterProjection
    directory: DirectoryNames

    def enrollment_handlers(self) -> dict[type[IntegrationEvent], EventHandler]:
        """What sessions does with enrollment's events: the roster, the names it prints, erasures."""
        return (self.projection.handlers() | self.directory.handlers()
                | {ParticipantErased: self.personal_data.on_erased})


def use_cases(*, roster: RosterRepository, sessions: SessionRepository, completions: CompletionRepository,
              feeds: CalendarFeedRepository, personal_data: PersonalDataRepository, people: PeopleDirectory,
              toolbox: MethodCatalogue, locks: DocumentLocks, wake_relay: Callable[[], None] = lambda: None,
              clock: Clock = system_clock) -> Sessions:
    """The use cases over any stores that implement the ports: MongoDB's here, in-memory ones in the tests."""
    completion = CompletionPolicy(sessions, roster, completions, locks, wake_relay, clock=clock)
    directory = DirectoryNames(roster)
    session_service = SessionService(sessions, roster, completion, locks, wake_relay, clock=clock)
    plan = ParticipantPlan(sessions, roster, completions, clock=clock)
    return Sessions(
        roster=roster, sessions=session_service, completion=completion, plan=plan,
        documents=SessionDocuments(session_service, completion, roster, people, directory, toolbox),
        calendar_feeds=CalendarFeeds(feeds, plan, session_service, locks, clock=clock),
        personal_data=PersonalData(personal_data, sessions, locks, feeds, clock=clock),
        projection=RosterProjection(roster, locks), directory=directory,
    )


@dataclass(frozen=True)
class WiredSessions:
    """What `bootstrap` returns: the runtime that runs the process, and the use cases the routes call."""

    runtime: ServiceRuntime
    use_cases: Sessions

    async def prepare_database(self, db: AsyncDatabase) -> None:
        """At every start, once the database answers: its indexes, then what a stop left undone."""
        await ensure_indexes(db)
        await self.use_cases.completion.catch_up()  # completions left due by a stop right after a session was held


def bootstrap(settings: SessionsSettings, *, people: PeopleDirectory | None = None,
              toolbox: MethodCatalogue | None = None, clock: Clock = system_clock) -> WiredSessions:
    """Build the runtime and sessions over its database, register its consumer and the clients to release.

    The runtime owns the lifecycle: it starts the consumers and the relay, and at stop releases
    the HTTP clients registered here (close_at_stop) before it closes the database."""
    wired: WiredSessions

    async def prepare_database(db: AsyncDatabase) -> None:
        await wired.prepare_database(db)

    # Publishes sessions' events from the outboxes of its sessions and completions.
    runtime = ServiceRuntime(settings, publishes={SESSIONS_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
                             on_database_ready=prepare_database)
    if people is None:
        http_people = HttpPeopleDirectory(settings.enrollment_url, timeout=settings.people_timeout_seconds,
                                          credentials=client_credentials(settings, settings.enrollment_audience))
        runtime.close_at_stop("the people directory's HTTP client", http_people.close)
        people = http_people
    if toolbox is None:
        http_toolbox = HttpToolbox(settings.measures_url, timeout=settings.people_timeout_seconds,
                                   credentials=client_credentials(settings, settings.measures_audience))
        runtime.close_at_stop("the toolbox's HTTP client", http_toolbox.close)
        toolbox = http_toolbox
    db = runtime.db
    wired_use_cases = use_cases(
        roster=RosterStore(db), sessions=SessionStore(db, settings.event_source),
        completions=CompletionStore(db, settings.event_source), feeds=CalendarFeedStore(db),
        personal_data=PersonalDataStore(db), people=people, toolbox=toolbox, locks=runtime.document_locks,
        wake_relay=runtime.relay.notify, clock=clock,
    )
    # Batches: one offset commit per batch instead of per record, which bounded the roster's
    # event path; a few cohorts at a time, each cohort's events still in order.
    runtime.consume(ENROLLMENT_TOPIC, wired_use_cases.enrollment_handlers(), batch_size=500, concurrency=4)
    wired = WiredSessions(runtime=runtime, use_cases=wired_use_cases)
    return wired
