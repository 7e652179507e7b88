"""The deadline watch: seats offered from the waitlist whose deadline passed are released and moved on,
and applications nobody decided before the programme's approval deadline are declined.

It keeps nothing of its own: every round asks the cohorts for deadlines that have passed
(`next_offer_expires_at`, `next_approval_expires_at`, written in the cohort's own write), so a process
started after a restart — or after a deadline passed while nothing ran — picks up where the
last one stopped. The expiry itself is a command to the cohort's writer, like every seat change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from samla_shared.retry import run_periodically

if TYPE_CHECKING:
    from samla_enrollment.service_layer.handlers import EnrollmentService

log = logging.getLogger("samla.enrollment.offers")


async def run_offer_watch(enrollment: EnrollmentService, *, interval: float) -> None:
    async def round_() -> None:
        await enrollment.expire_due_offers()
        await enrollment.expire_due_approvals()

    await run_periodically(round_, every=interval, what="offer watch", log=log)
