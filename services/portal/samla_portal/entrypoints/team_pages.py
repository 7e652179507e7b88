"""A unit's team applies for a cohort (issue 16): the form a leader or coordinator fills in, and the team's page
that says whether it is seated together or waits together at one place in the queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from samla_portal.entrypoints.form_errors import attempted, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, done, require_signed_in
from samla_portal.service_layer.teams import TEAM_ROLES, TeamForm, slot_fields, team_members

router = APIRouter()


@router.get("/cohorts/{cohort_id}/team", summary="The form a unit's leader (or a coordinator) registers a team with")
async def team_form(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.teams.form(token, person, cohort_id)
    # A leader registering their unit's team is usually its leader; the manager who approves is someone else
    # (enrollment refuses a member as the team's own manager), so that is left to fill in.
    form = {"unit_id": next(iter(person.units), "")}
    if person.email and any(p.email == person.email for p in found.people):
        form[slot_fields(0)[0]] = person.email
    return _team_form(request, found, form, [])


@router.post("/cohorts/{cohort_id}/team", summary="Register the team at enrollment: seated or waiting together")
async def register_team(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    teams = request.app.state.teams
    found = await teams.form(token, person, cohort_id)
    members, wrong = team_members(form, found.people, found.applied_here)
    # In the order of the form, so the summary reads top to bottom.
    errors = missing(form, ["unit_id"]) + wrong + missing(form, ["manager_name", "manager_email"])
    if not errors:
        # 403 too: a unit outside the leader's reach is the form's mistake, shown at the field.
        team, errors = await attempted(teams.register(token, cohort_id, found, form, members), (403, 409, 422))
        if team:
            return done(request, "team_registered", f"/cohorts/{cohort_id}/teams/{team['team_id']}")
    return _team_form(request, found, form, [_at_field(e, form) for e in errors], 422)


@router.get("/cohorts/{cohort_id}/teams/{team_id}", summary="A team: seated together, or its one place in the queue")
async def team(request: Request, cohort_id: str, team_id: str) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.teams.team(token, person, cohort_id, team_id)
    return page_renderer(request).render(request, "team.html", team=found)


def _team_form(request: Request, found: TeamForm, form: dict[str, str], errors: list[dict[str, Any]],
               status_code: int = 200) -> Response:
    return page_renderer(request).render(request, "team_new.html", status_code, cohort=found.cohort,
                                         programme=found.programme, units=found.units, people=found.people,
                                         roles=list(enumerate(TEAM_ROLES)), form=form, errors=errors)


def _at_field(error: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """An error enrollment ties to its own body (a member's `email`, the team as a whole) is not a field of this
    form: it is shown in the summary at the top, in enrollment's words, without a link to nowhere."""
    if error.get("field") and error["field"] not in form and not error["field"].startswith("member-"):
        return error | {"field": None}
    return error
