"""The ports enrollment's service layer speaks to: what it asks of storage, in its own words.

The MongoDB stores in this folder implement them (`repository.EnrollmentStore`,
`directory.DirectoryStore`, `personal_data.PersonalDataStore`, `exports.ExportReader`); the
use-case tests run the service layer against in-memory fakes of the same ports
(`services/enrollment/tests/fakes.py`). Query syntax stays behind these methods: a use
case names what it wants (the cohorts with offers due, a person's live application), never
a filter.

Documents are plain dicts keyed as stored (`_id` is the id); the HTTP mapping
(`entrypoints/schemas.py`) turns them into the public shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from samla_shared.contract.base import IntegrationEvent
from samla_enrollment.domain.cohorts import CohortStatus

Document = dict[str, Any]


class PeopleRepository(Protocol):
    """People and the address map (`emails`: one entry per address, naming its person)."""

    async def map_addresses(self, pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Map each (address, person id) unless the address is mapped already: returns those taken, with their
        holders."""
        ...

    async def address_holder(self, email: str) -> str | None: ...

    async def remap_address(self, email: str, person_id: str) -> None: ...

    async def unmap_address(self, email: str, person_id: str) -> None:
        """Drop the address's entry if it still names `person_id`."""
        ...

    async def people_by_id(self, person_ids: Iterable[str]) -> dict[str, Document]: ...

    async def add_people(self, people: Sequence[Document]) -> None:
        """Insert people; one already stored under the same id is kept as it is."""
        ...

    async def update_person(self, person_id: str, fields: Mapping[str, Any]) -> None: ...

    async def person(self, person_id: str) -> Document | None: ...


class EnrollmentRepository(PeopleRepository, Protocol):
    """Programmes, cohorts (with their queue slices), applications and interest; every write that others must
    learn about stages its events in the same write (the outbox)."""

    waitlist_page: int  # places per stored slice of a cohort's queue log

    # -- programmes ------------------------------------------------------------------------

    async def add_programme(self, programme: Document, *events: IntegrationEvent) -> None: ...

    async def programme(self, programme_id: str) -> Document | None: ...

    async def programmes(self, *, network_ids: Sequence[str] | None, archived: bool | None, offset: int,
                         limit: int) -> list[Document]: ...

    async def save_programme(self, programme_id: str, fields: Mapping[str, Any], audit: Document,
                             events: Sequence[IntegrationEvent]) -> None: ...

    # -- cohorts ---------------------------------------------------------------------------

    async def add_cohort(self, cohort: Document, *events: IntegrationEvent) -> None: ...

    async def cohort(self, cohort_id: str, *, queue: bool = True) -> Document | None:
        """With its seating; with `queue`, its whole queue log as `waitlist_log`."""
        ...

    async def cohort_summary(self, cohort_id: str) -> Document | None:
        """With the seat counters instead of the seat lists."""
        ...

    async def cohort_audit(self, cohort_id: str) -> list[Document] | None: ...

    async def cohorts(self, *, programme_id: str | None = None, network_ids: Sequence[str] | None = None,
                      term: str | None = None, status: CohortStatus | None = None, now: datetime | None = None,
                      offset: int, limit: int) -> list[Document]: ...

    async def cohort_ids_not_completed(self) -> list[str]: ...

    async def cohort_ids_with_offers_due(self, now: datetime) -> list[str]: ...

    async def cohort_ids_with_approvals_due(self, now: datetime) -> list[str]: ...

    async def cohort_ids_taking_applications(self, programme_id: str, now: datetime) -> list[str]: ...

    async def latest_cohort_announced_at(self, programme_id: str) -> datetime | None: ...

    async def waitlist_log(self, cohort: Document, slots: Sequence[int] | None = None) -> list[str | None]: ...

    async def save_waitlist_pages(self, cohort_id: str, pages: Mapping[int, list[str]]) -> None: ...

    async def save_cohort(self, cohort_id: str, *, version: int, new_version: int, fields: Mapping[str, Any],
                          audit: Sequence[Document], events: Sequence[IntegrationEvent],
                          unset: Sequence[str] = ()) -> bool:
        """Write a batch of changes if the cohort is still at `version`; False (nothing written) if not."""
        ...

    # -- applications ----------------------------------------------------------------------

    async def add_applications(self, applications: Sequence[Document]) -> set[int]:
        """Insert at once; returns the positions refused as duplicates (one per person and cohort)."""
        ...

    async def application(self, application_id: str) -> Document | None: ...

    async def applications_by_id(self, application_ids: Sequence[str]) -> dict[str, Document]: ...

    async def application_states(self, cohort_id: str) -> list[Document]: ...

    async def cohort_applications(self, cohort_id: str, *, organisation_id: str | None = None,
                                  status: str | None = None, excluding: Sequence[str] = (), offset: int,
                                  limit: int) -> list[Document]: ...

    async def live_application(self, cohort_id: str, participant_id: str) -> Document | None:
        """The person's application to the cohort that is neither withdrawn nor declined."""
        ...

    async def application_of(self, cohort_id: str, participant_id: str) -> Document | None:
        """The person's application to the cohort, whatever its status."""
        ...

    async def team_applications(self, cohort_id: str, team_id: str, limit: int = 50) -> list[Document]: ...

    async def applications_of(self, person_ids: Iterable[str], *, limit: int) -> list[Document]: ...

    async def applications_for_leader(self, manager_ids: Iterable[str], organisation_ids: Iterable[str], *,
                                      limit: int) -> list[Document]: ...

    async def transition_application(self, application_id: str, *, expected: str, status: str,
                                     entries: Sequence[Document], announce: Document | None,
                                     fields: Mapping[str, Any] | None = None) -> bool: ...

    async def move_application(self, application_id: str, *, from_cohort_id: str, to_cohort_id: str,
                               entries: Sequence[Document], announce: Document) -> bool: ...

    async def append_history(self, application_id: str, entries: Sequence[Document]) -> None: ...

    # -- interest in the next cohort -------------------------------------------------------

    async def add_interest(self, interest: Document, *events: IntegrationEvent) -> None: ...

    async def latest_interest(self, programme_id: str, person_id: str) -> Document | None: ...

    async def interests(self, programme_id: str, offset: int, limit: int) -> list[Document]: ...


class DirectoryRepository(Protocol):
    """Networks, organisations and units (`kind` is the collection's name), each entry with its outbox."""

    async def add(self, kind: str, entry: Document, event: IntegrationEvent) -> bool:
        """Insert with its event; False if the id is taken."""
        ...

    async def get(self, kind: str, entry_id: str) -> Document | None: ...

    async def save(self, kind: str, entry_id: str, fields: Mapping[str, Any], at: datetime,
                   event: IntegrationEvent) -> None: ...

    async def find(self, kind: str, *, under: Mapping[str, Sequence[str]], q: str | None, offset: int,
                   limit: int) -> list[Document]: ...

    async def names(self, kind: str, entry_ids: Iterable[str]) -> dict[str, str]: ...


class PersonalDataRepository(Protocol):
    """What erasure, access requests and retention read and write."""

    async def person(self, person_id: str) -> Document | None: ...

    async def applications_of(self, person_id: str) -> list[Document]: ...

    async def interests_of(self, person_id: str) -> list[Document]: ...

    async def erasure(self, person_id: str) -> Document | None: ...

    async def add_erasure(self, record: Document) -> bool: ...

    async def unfinished_erasures(self) -> list[str]: ...

    async def finish_erasure(self, person_id: str, at: datetime, counts: dict[str, int],
                             events: Sequence[IntegrationEvent]) -> None: ...

    async def delete_person(self, person_id: str) -> int: ...

    async def delete_interests(self, person_id: str) -> int: ...

    async def application_history(self, application_id: str) -> list[Document] | None: ...

    async def anonymise_application(self, application_id: str, fields: Document,
                                    history: list[Document]) -> None: ...

    async def completed_cohorts(self) -> list[Document]: ...

    async def applications_to_anonymise(self, cohort_ids: Sequence[str]) -> list[Document]: ...


class ExportSource(Protocol):
    """A cohort's applications and their applicants' contact details, as exported."""

    async def applications(self, cohort_id: str) -> list[Document]: ...

    async def people(self, person_ids: Iterable[str]) -> dict[str, Document]: ...
