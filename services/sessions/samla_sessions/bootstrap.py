"""The one place that wires sessions together: stores, outside clients, use cases, consumers.

Tests replace the outside world here (enrollment's people directory, measures' toolbox, a
clock) instead of patching modules; the use-case tests build the same use cases over the
in-memory stores of `tests/fakes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from samla_shared.clock import Clock, system_clock
from samla_shared.contract import ENROLLMENT_TOPIC, SESSIONS_TOPIC
from samla_shared.contract.enrollment import ParticipantErased
from samla_shared.contract.sessions import EVENTS
from samla_shared.security.client_credentials import client_credentials
from samla_shared.service_runtime import ServiceRuntime, StartupHook
from samla_sessions.adapters.calendar_feeds import CalendarFeedStore
from samla_sessions.adapters.people import HttpPeopleDirectory, PeopleDirectory
from samla_sessions.adapters.personal_data import PersonalDataStore
from samla_sessions.adapters.repository import (
    OUTBOX_COLLECTIONS,
    CompletionStore,
    RosterStore,
    SessionStore,
    ensure_indexes,
)
from samla_sessions.adapters.toolbox import HttpToolbox, MethodCatalogue
from samla_sessions.service_layer.calendar_feeds import CalendarFeeds
from samla_sessions.service_layer.completion import CompletionPolicy
from samla_sessions.service_layer.directory_names import DirectoryNames
from samla_sessions.service_layer.documents import SessionDocuments
from samla_sessions.service_layer.participant_plan import ParticipantPlan
from samla_sessions.service_layer.personal_data import PersonalData
from samla_sessions.service_layer.roster_projection import RosterProjection
from samla_sessions.service_layer.sessions import SessionService
from samla_sessions.settings import SessionsSettings


def service_runtime(settings: SessionsSettings, *, on_database_ready: StartupHook) -> ServiceRuntime:
    """The runtime that publishes sessions' events from the outboxes of its sessions and completions."""
    return ServiceRuntime(settings, publishes={SESSIONS_TOPIC: EVENTS}, outbox_collections=OUTBOX_COLLECTIONS,
                          on_database_ready=on_database_ready)


@dataclass
class Sessions:
    """The wired use cases the entry points call."""

    roster: RosterStore
    sessions: SessionService
    completion: CompletionPolicy
    plan: ParticipantPlan
    documents: SessionDocuments
    calendar_feeds: CalendarFeeds
    personal_data: PersonalData

    async def prepare_database(self) -> None:
        await ensure_indexes(self.roster.db)
        await self.completion.catch_up()  # completions left due by a stop right after a session was held


def bootstrap(settings: SessionsSettings, runtime: ServiceRuntime, *, people: PeopleDirectory | None = None,
              toolbox: MethodCatalogue | None = None, clock: Clock = system_clock) -> Sessions:
    """Build sessions over the runtime's database, register its consumers and the clients to release."""
    db, locks, wake_relay = runtime.db, runtime.document_locks, runtime.relay.notify
    roster = RosterStore(db)
    session_store = SessionStore(db, settings.event_source)
    completion_store = CompletionStore(db, settings.event_source)
    completion = CompletionPolicy(session_store, roster, completion_store, locks, wake_relay, clock=clock)
    feed_store = CalendarFeedStore(db)
    erasure = PersonalData(PersonalDataStore(db), session_store, locks, feed_store, clock=clock)
    directory = DirectoryNames(roster)
    # Batches: one offset commit per batch instead of per record, which bounded the roster's
    # event path; a few cohorts at a time, each cohort's events still in order.
    runtime.consume(ENROLLMENT_TOPIC, RosterProjection(roster, locks).handlers() | directory.handlers()
                    | {ParticipantErased: erasure.on_erased},
                    batch_size=500, concurrency=4)

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

    session_service = SessionService(session_store, roster, completion, locks, wake_relay, clock=clock)
    plan = ParticipantPlan(session_store, roster, completion_store, clock=clock)
    return Sessions(
        roster=roster, sessions=session_service, completion=completion, plan=plan,
        documents=SessionDocuments(session_service, completion, roster, people, directory, toolbox),
        calendar_feeds=CalendarFeeds(feed_store, plan, session_service, locks, clock=clock),
        personal_data=erasure,
    )
