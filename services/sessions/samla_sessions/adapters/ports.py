"""The stores and outside services sessions' use cases talk to, as Protocols.

The service layer types against these; `repository.py`, `calendar_feeds.py` and
`personal_data.py` implement the stores over MongoDB, `people.py` and `toolbox.py` the
readers of enrollment's names and measures' methods over HTTP (the only place its query and update syntax
lives), and `tests/fakes.py` implements them in memory for the use-case tests. Each write
that carries events stages them in the same single-document write (the outbox), so a
store method either records a change together with its events or records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from pymongo.errors import ConnectionFailure

from samla_shared.contract.base import IntegrationEvent
from samla_sessions.domain.cohort import KnownCohort, KnownProgramme
from samla_sessions.domain.completion import CompletionRecord
from samla_sessions.domain.roster import RosterEntry
from samla_sessions.domain.session import Session

# What a store raises when its database cannot be reached: a passing outage, which callers
# retry as a whole rather than treating as a fault of the data they were handling.
StoreUnavailable = ConnectionFailure


def completion_id(cohort_id: str, participant_id: str) -> str:
    """The identity of a participant's completion of a cohort: its record's key and its lock's name."""
    return f"{cohort_id}:{participant_id}"


def roster_entry_id(cohort_id: str, application_id: str) -> str:
    """The identity of a roster entry (one per application that held a seat): its key and its lock's name."""
    return f"{cohort_id}:{application_id}"


class RosterRepository(Protocol):
    """The roster per cohort, and what sessions keeps of other contexts' aggregates (programmes,
    cohorts, networks, organisations), each under the name of its kind."""

    async def enter(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        """Create the entry of an application heard of for the first time; False if it exists."""
        ...

    async def advance(self, *, cohort_id: str, application_id: str, sequence: int, fields: dict[str, Any]) -> bool:
        """Apply a change unless an equal or newer one (by cohort sequence) was applied already."""
        ...

    async def members(self, cohort_id: str, status: str | None) -> list[RosterEntry]:
        """The cohort's entries (of one status, if given), in the order they enrolled."""
        ...

    async def enrolled(self, cohort_id: str) -> dict[str, RosterEntry]:
        """The cohort's enrolled participants by participant id."""
        ...

    async def cohorts_of(self, participant_id: str) -> list[str]:
        """The cohorts the participant is enrolled in, sorted."""
        ...

    async def ever_rostered(self, participant_id: str) -> bool: ...

    async def remember(self, collection: str, document_id: str, fields: dict[str, Any],
                       version_at: datetime) -> None:
        """Keep the latest known state (by `version_at`) of another context's aggregate."""
        ...

    async def known(self, collection: str, document_id: str) -> dict[str, Any] | None: ...

    async def cohort(self, cohort_id: str) -> KnownCohort | None:
        """The cohort as its latest CohortOpened told it; None if sessions has not heard of it."""
        ...

    async def programme(self, programme_id: str) -> KnownProgramme | None:
        """The programme as its latest ProgrammePublished or ProgrammeUpdated told it."""
        ...


class SessionRepository(Protocol):
    """Sessions, each written together with the events it stages."""

    async def add(self, session: Session, *events: IntegrationEvent, created_at: datetime) -> bool:
        """Insert a new session with its first events. False if a session with its id exists."""
        ...

    async def get(self, session_id: str) -> Session | None: ...

    async def of_cohort(self, cohort_id: str) -> list[Session]:
        """The cohort's sessions in time order."""
        ...

    async def of_cohorts(self, cohort_ids: list[str]) -> list[Session]:
        """The sessions of these cohorts in time order."""
        ...

    async def save(self, session: Session, *events: IntegrationEvent, updated_at: datetime,
                   completion_due: bool = False) -> bool:
        """Write the session's new state with its events if its version is still the one read
        (then the session's version goes up by one); False when someone saved it in between."""
        ...

    async def cohorts_with_completion_due(self) -> list[str]: ...

    async def completion_due_in(self, cohort_id: str) -> set[str]:
        """The ids of the cohort's sessions marked completion-due."""
        ...

    async def clear_completion_due(self, session_id: str, version: int) -> None:
        """Clear the mark, unless the session was written again since `version`."""
        ...


class CompletionRepository(Protocol):
    """One record per (cohort, participant) that completed: recorded exactly once with its event."""

    async def complete(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                       event: IntegrationEvent) -> bool:
        """Record a completion (or reinstate a revoked one) with its event; False if it already stands."""
        ...

    async def revoke(self, cohort_id: str, participant_id: str, fields: dict[str, Any],
                     event: IntegrationEvent) -> bool:
        """Withdraw a standing completion with its event; False if none stands."""
        ...

    async def completed(self, cohort_id: str, participant_id: str) -> bool: ...

    async def of_cohort(self, cohort_id: str) -> dict[str, CompletionRecord]:
        """The cohort's completion records (completed or revoked) by participant id."""
        ...


class CalendarFeedRepository(Protocol):
    """Secret calendar-feed links, one valid link per owner."""

    async def replace(self, owner: str, secret: str, subject: dict[str, Any], issued_at: datetime, *,
                      person_id: str | None) -> None:
        """Record `secret` as the owner's one valid link; the previous link stops working."""
        ...

    async def resolve(self, secret: str) -> dict[str, Any] | None:
        """Whose feed the secret opens, or None if it was never issued or has been replaced."""
        ...

    async def of_person(self, person_id: str) -> list[dict[str, Any]]: ...

    async def revoke_all_of(self, person_id: str) -> int: ...


class PersonalDataRepository(Protocol):
    """Where sessions keeps a person's id, for erasure and access requests."""

    async def roster_entries(self, person_id: str) -> list[dict[str, Any]]: ...

    async def sessions_with(self, person_id: str) -> list[dict[str, Any]]: ...

    async def completions_of(self, person_id: str) -> list[dict[str, Any]]: ...

    async def rename_roster_entry(self, entry_id: str, person_id: str, pseudonym: str) -> None: ...

    async def move_completion(self, cohort_id: str, person_id: str, pseudonym: str) -> bool: ...


class PeopleDirectory(Protocol):
    """Participants' names, read from enrollment at the moment a document prints them."""

    async def names(self, person_ids: Iterable[str]) -> dict[str, str]:
        """Each known person's name by id; people enrollment does not know (erased) are left out."""


class MethodCatalogue(Protocol):
    """The curriculum's methods by name, read from measures' toolbox at the moment a certificate prints them."""

    async def method_names(self, method_ids: Iterable[str], language: str) -> dict[str, str]:
        """Each method's name in `language` (or the nearest one it has), by id; unknown ids are left out."""
