"""HTTP routes of the sessions service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from samla_sessions.adapters.repository import RosterStore


class RosterMember(BaseModel):
    participant_id: str
    application_id: str
    organisation_id: str
    unit_id: str
    status: str
    via: str | None = None
    enrolled_at: datetime | None = None


class Roster(BaseModel):
    cohort_id: str
    members: list[RosterMember]


def get_roster_store(request: Request) -> RosterStore:
    return request.app.state.roster_store


Store = Annotated[RosterStore, Depends(get_roster_store)]

cohorts = APIRouter(prefix="/cohorts", tags=["roster"])


@cohorts.get("/{cohort_id}/roster", response_model=Roster,
             summary="Who is enrolled in the cohort, built from enrollment's events")
async def roster(cohort_id: str, store: Store,
                 status: Literal["enrolled", "withdrawn"] | None = "enrolled") -> Roster:
    members = await store.members(cohort_id, status)
    return Roster(cohort_id=cohort_id, members=[RosterMember(**m) for m in members])


ROUTERS = (cohorts,)
