"""The retention job, asked of the enrollment service over HTTP.

The job anonymises applications of completed cohorts; it runs inside enrollment (which also
runs it periodically) rather than here against enrollment's database, because enrollment
is the one writer of its documents: FerretDB v1 updates are read-modify-write, so a second
writer could undo a concurrent change (see samla_shared.persistence.document_locks).
"""

from __future__ import annotations

from typing import Any

import httpx


class RetentionFailed(LookupError):
    """Enrollment refused or could not be reached (a LookupError, so the CLI prints it as an error)."""


async def run_retention(enrollment_url: str, *, token: str | None = None, timeout: float = 120.0) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=enrollment_url, timeout=timeout) as client:
        try:
            response = await client.post("/retention/run", headers=headers)
        except httpx.HTTPError as exc:
            raise RetentionFailed(f"enrollment at {enrollment_url} could not be reached: {exc}") from exc
    if response.status_code != 200:
        raise RetentionFailed(f"enrollment answered {response.status_code}: {response.text[:500]}")
    return response.json()
