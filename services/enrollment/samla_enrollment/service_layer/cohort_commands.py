"""The commands the CohortWriter takes: everything that can change who holds a seat in a cohort."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from samla_enrollment.domain.cohorts import CohortStatus


@dataclass(frozen=True)
class SubmitApplication:
    form: dict[str, Any]
    # The signed-in applicant's own person id; None when the form's address names the person
    # (the anonymous public form, or a coordinator registering a paper form).
    participant_id: str | None = None


@dataclass(frozen=True)
class SubmitTeam:
    """A unit's team: one application per member, placed together (or queued together) in one batch."""

    form: dict[str, Any]


@dataclass(frozen=True)
class DecideApplication:
    application_id: str
    approve: bool
    by: str  # the signed-in caller, whom the entrypoint found entitled to decide
    reason: str | None
    # The chain step the caller was found entitled to decide (None: whichever is current); another
    # decision may have moved the application on meanwhile.
    step: int | None = None


@dataclass(frozen=True)
class WithdrawApplication:
    application_id: str
    by: str | None
    reason: str | None


@dataclass(frozen=True)
class ChangeCapacity:
    capacity: int
    by: str
    reason: str | None


@dataclass(frozen=True)
class ChangeStatus:
    status: CohortStatus
    by: str
    reason: str | None


@dataclass(frozen=True)
class AnswerOffer:
    application_id: str
    accept: bool
    by: str  # the signed-in participant, or a coordinator answering on their behalf
    reason: str | None


@dataclass(frozen=True)
class OfferFreeSeat:
    """A coordinator offers one free seat to the head of the waitlist (after the start, nothing else does)."""

    by: str
    reason: str | None


@dataclass(frozen=True)
class ExpireOffers:
    """Release the seats whose offers passed their deadline, and move each on (the offer watch sends this)."""


@dataclass(frozen=True)
class ExpireApprovals:
    """Decline the applications still waiting for a decision past the programme's approval deadline."""


@dataclass(frozen=True)
class TransferOut:
    """Move an application to another cohort: the first half, at the cohort it leaves (see `TransferIn`)."""

    application_id: str
    to_cohort_id: str
    deferred: bool
    by: str
    reason: str | None


@dataclass(frozen=True)
class TransferIn:
    """The second half of a transfer, at the cohort it joins: the moved application takes a seat or queue place.

    The application's write already names this cohort; if the process stops before this
    command, taking the cohort up places it (an approved application without a place).
    """

    application_id: str


@dataclass(frozen=True)
class Reconcile:
    """Take the cohort up (reconciling it with its applications if it is not in memory yet)."""


Command = (SubmitApplication | SubmitTeam | DecideApplication | WithdrawApplication | ChangeCapacity | ChangeStatus | AnswerOffer
           | OfferFreeSeat | ExpireOffers | ExpireApprovals | TransferOut | TransferIn | Reconcile)
