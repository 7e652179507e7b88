"""What the tool knows about each service: its database, outbox collections, consumer group, projections.

A table rather than imports of the services: the tool runs where the services' code may
not be installed (an operator's laptop, a job container), and reading the table tells an
operator exactly what a command touches. tests/tools checks it against the services' code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceData:
    name: str
    database: str
    # Collections whose documents carry pending events (`outbox_pending` > 0).
    outbox_collections: tuple[str, ...]
    # The service's consumer group (`samla-<name>` unless its settings say otherwise).
    consumer_group: str
    consumes: tuple[str, ...] = ()


SERVICES: dict[str, ServiceData] = {
    service.name: service
    for service in (
        ServiceData("enrollment", "samla_enrollment", ("interests", "cohorts", "programmes", "erasures",
                                                        "networks", "organisations", "units"),
                    "samla-enrollment"),
        ServiceData("sessions", "samla_sessions", ("completions", "sessions"), "samla-sessions",
                    consumes=("samla.enrollment.v1",)),
        ServiceData("measures", "samla_measures", ("measures", "unit_series", "plans", "person_competences"),
                    "samla-measures",
                    consumes=("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")),
        ServiceData("notifications", "samla_notifications", (), "samla-notifications",
                    consumes=("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")),
    )
}


@dataclass(frozen=True)
class Projection:
    """A read model rebuilt by replaying its service's topics from the beginning."""

    name: str
    service: str
    # Dropped before the replay. Only collections that are built from events alone belong
    # here: a collection holding data the service owns must never be listed.
    collections: tuple[str, ...]
    topics: tuple[str, ...]


PROJECTIONS: dict[str, Projection] = {
    projection.name: projection
    for projection in (
        # The roster per cohort, built from enrollment's ParticipantEnrolled/Withdrawn. The
        # cohorts and programmes sessions remembers are refreshed by the same replay, so
        # they are kept (they only move forward in time).
        Projection("roster", "sessions", ("roster",), ("samla.enrollment.v1",)),
        # The network insight counters and the contributor views they are summed from.
        Projection("insight", "measures", ("insight_networks", "insight_contributors"),
                   ("samla.enrollment.v1", "samla.sessions.v1", "samla.measures.v1")),
    )
}
