"""Calendar subscriptions: issue a secret feed link (again: revoke the old one), and serve the feed by it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, Field

from samla_shared.documents.responses import CALENDAR
from samla_shared.http.auth import Access

from samla_sessions.service_layer.calendar_feeds import CalendarFeeds, IssuedFeed

router = APIRouter(tags=["calendar subscriptions"])


class CalendarFeedPublic(BaseModel):
    url: str = Field(description="The secret feed address to paste into a calendar application. Shown once: "
                                 "only a hash of it is kept. Asking for a new one makes this one stop working.")
    webcal_url: str = Field(description="The same address with webcal://, which opens the calendar application.")
    issued_at: datetime


def get_feeds(request: Request) -> CalendarFeeds:
    return request.app.state.calendar_feeds


Feeds = Annotated[CalendarFeeds, Depends(get_feeds)]
ISSUED = {201: {"description": "A new feed link; any earlier link of the same owner stops working"},
          404: {"description": "Unknown participant or cohort, or one outside the caller's reach"}}


def _public(request: Request, issued: IssuedFeed) -> CalendarFeedPublic:
    base = request.app.state.runtime.settings.public_url.rstrip("/")
    url = f"{base}/calendar-feeds/{issued.secret}.ics"
    return CalendarFeedPublic(url=url, webcal_url="webcal://" + url.split("://", 1)[1], issued_at=issued.issued_at)


@router.post("/participants/{participant_id}/calendar-feed", status_code=status.HTTP_201_CREATED,
             response_model=CalendarFeedPublic, responses=ISSUED,
             summary="A secret link to subscribe to one's own programme plan; asking again revokes the old link")
async def issue_participant_feed(participant_id: str, feeds: Feeds, access: Access,
                                 request: Request) -> CalendarFeedPublic:
    access.require(f"plan of {participant_id}", person_ids=[participant_id])
    return _public(request, await feeds.issue_for_participant(participant_id))


@router.post("/cohorts/{cohort_id}/calendar-feed", status_code=status.HTTP_201_CREATED,
             response_model=CalendarFeedPublic, responses=ISSUED,
             summary="A coordinator's own secret link to subscribe to a cohort's sessions; asking again revokes it")
async def issue_cohort_feed(cohort_id: str, feeds: Feeds, access: Access, request: Request) -> CalendarFeedPublic:
    cohort = await feeds.sessions.cohort(cohort_id)
    access.require(f"cohort {cohort_id}", network_id=cohort.network_id)
    return _public(request, await feeds.issue_for_cohort(cohort_id, by=access.person))


@router.get("/calendar-feeds/{secret}.ics", response_class=Response,
            responses={200: {"content": {CALENDAR: {}}, "description": "The iCalendar feed"},
                       404: {"description": "No such link, or it was replaced by a new one"}},
            summary="The feed behind a secret link (no Authorization header: calendar applications cannot send one)")
async def calendar_feed(secret: str, feeds: Feeds) -> Response:
    # The link is the credential: never kept by shared caches, nor leaked on to other sites.
    return Response(await feeds.feed(secret), media_type=CALENDAR,
                    headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})
