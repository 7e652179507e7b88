"""The portal's front page, programmes, cohorts, applying, a leader's inbox and my page (an application's page,
and the measures, sessions and dashboard pages, have modules of their own). Each calls a use case with the
person's own token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.cohorts import may_offer_a_seat
from samla_portal.domain.people import COORDINATOR_ROLES, LEADER_ROLES, PARTICIPANT_ROLES, SignedIn
from samla_portal.entrypoints.form_errors import attempted, missing
from samla_portal.entrypoints.public_pages import public_programme
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, done, flash, require_signed_in, signed_in
from samla_portal.service_layer.interest import takes_applications

router = APIRouter()


@router.get("/", summary="Front page: what the signed-in person can do")
async def front_page(request: Request) -> Response:
    person = signed_in(request)
    return page_renderer(request).render(request, "front.html", tasks=person.tasks() if person else [])


@router.get("/programmes", summary="Programmes the person may see (coordinators: their networks')")
async def programmes(request: Request) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.enrollment.programmes(token)
    return page_renderer(request).render(request, "programmes.html", programmes=found)


@router.get("/programmes/new", summary="The form a coordinator publishes a programme with")
async def new_programme(request: Request) -> Response:
    person, _ = require_signed_in(request)
    form = {"network_id": next(iter(person.networks), ""), "language": "nb", "requires_manager_approval": "yes"}
    return page_renderer(request).render(request, "programme_new.html", form=form, errors=[])


@router.post("/programmes", summary="Publish a programme at enrollment")
async def publish_programme(request: Request) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    errors = missing(form, ["code", "title", "network_id"])
    if not errors:
        # 403 too: a network the coordinator does not work in is the form's mistake, shown at the field.
        programme, errors = await attempted(request.app.state.enrollment.publish_programme(token, form),
                                            (403, 409, 422))
        if programme:
            return done(request, "programme_published", f"/programmes/{programme['id']}")
    return page_renderer(request).render(request, "programme_new.html", 422, form=form, errors=errors)


@router.get("/programmes/{programme_id}/cohorts/new", summary="The form a coordinator opens a cohort with")
async def new_cohort(request: Request, programme_id: str) -> Response:
    person, token = require_signed_in(request)
    found, _ = await request.app.state.enrollment.programme(token, programme_id)
    return page_renderer(request).render(request, "cohort_new.html", programme=found, form={"location": "", "capacity": "20"},
                                         errors=[])


@router.post("/programmes/{programme_id}/cohorts", summary="Open a cohort of the programme at enrollment")
async def open_cohort(request: Request, programme_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    enrollment = request.app.state.enrollment
    errors = missing(form, ["term", "location", "capacity", "applications_open_at", "applications_close_at"])
    if not errors:
        cohort, errors = await attempted(enrollment.open_cohort(token, programme_id, form), (403, 409, 422))
        if cohort:
            return done(request, "cohort_opened", f"/cohorts/{cohort['id']}")
    found, _ = await enrollment.programme(token, programme_id)
    return page_renderer(request).render(request, "cohort_new.html", 422, programme=found, form=form, errors=errors)


@router.get("/programmes/{programme_id}", summary="A programme and its cohorts")
async def programme(request: Request, programme_id: str) -> Response:
    if signed_in(request) is None:
        # A programme that takes applications without signing in has a public page; others ask to sign in.
        return await public_programme(request, programme_id)
    person, token = require_signed_in(request)
    return await programme_page(request, person, token, programme_id)


async def programme_page(request: Request, person: SignedIn, token: str, programme_id: str, *,
                         errors: list[dict[str, Any]] | None = None, interest_form: dict[str, str] | None = None,
                         status_code: int = 200) -> Response:
    """The programme with its cohorts; coordinators see where people want the next cohort, participants may ask
    to hear of it (the interest form, sent back here with its refusal)."""
    found, cohorts = await request.app.state.enrollment.programme(token, programme_id)
    coordinates = person.is_a(COORDINATOR_ROLES)
    regions = await request.app.state.interest.regions(token, programme_id) if coordinates else None
    return page_renderer(request).render(request, "programme.html", status_code, programme=found, cohorts=cohorts,
                                  coordinates=coordinates, may_apply=person.is_a(PARTICIPANT_ROLES),
                                  registers_teams=person.is_a(COORDINATOR_ROLES | LEADER_ROLES), regions=regions,
                                  interest_open=not takes_applications(cohorts), errors=errors or [],
                                  interest_form=interest_form or {})


@router.get("/cohorts/{cohort_id}", summary="A cohort with its applications and waitlist (coordinators)")
async def cohort(request: Request, cohort_id: str) -> Response:
    return await cohort_page(request, cohort_id)


async def cohort_page(request: Request, cohort_id: str, status_code: int = 200,
                      errors: list[dict[str, Any]] | None = None) -> Response:
    """The cohort as it stands now (also after a refused form, with why)."""
    person, token = require_signed_in(request)
    overview = await request.app.state.enrollment.cohort_overview(token, cohort_id)
    return page_renderer(request).render(request, "cohort.html", status_code, overview=overview, errors=errors or [],
                                         may_offer_seat=may_offer_a_seat(overview.cohort, datetime.now(UTC)))


@router.get("/cohorts/{cohort_id}/apply", summary="The application form of a cohort")
async def apply_form(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    found, programme = await request.app.state.enrollment.cohort(token, cohort_id)
    form = {"organisation_id": next(iter(person.organisations), ""), "unit_id": next(iter(person.units), "")}
    return page_renderer(request).render(request, "apply.html", cohort=found, programme=programme, form=form, errors=[])


@router.post("/cohorts/{cohort_id}/apply", summary="Send an application to enrollment")
async def apply(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    enrollment = request.app.state.enrollment
    errors = missing(form, ["manager_name", "manager_email", "organisation_id", "unit_id"])
    if not errors:
        application, errors = await attempted(enrollment.apply(token, cohort_id, person, form))
        if application:
            return page_renderer(request).render(request, "applied.html", status_code=201, application=application)
    found, programme = await enrollment.cohort(token, cohort_id)
    return page_renderer(request).render(request, "apply.html", 422, cohort=found, programme=programme, form=form,
                                  errors=errors)


@router.get("/applications", summary="A leader's applications: awaiting my decision, and my employees'")
async def applications_inbox(request: Request) -> Response:
    person, token = require_signed_in(request)
    inbox = await request.app.state.enrollment.leader_inbox(token)
    return page_renderer(request).render(request, "applications.html", inbox=inbox)


@router.get("/employees", summary="A leader's employees: their programmes, cohorts and where each stands")
async def employees(request: Request) -> Response:
    person, token = require_signed_in(request)
    people = await request.app.state.enrollment.employees_plans(token)
    return page_renderer(request).render(request, "employees.html", people=people)


@router.post("/applications/{application_id}/offer", summary="Accept or decline a seat offered from the waitlist")
async def answer_offer(request: Request, application_id: str) -> Response:
    person, token = require_signed_in(request)
    answer = str((await checked_form(request)).get("answer", ""))
    if answer in ("accept", "decline"):
        # A refusal (the offer expired, or is not theirs) shows as the service's problem page.
        await request.app.state.enrollment.answer_offer(token, application_id, accept=answer == "accept")
        flash(request, "offer_accepted" if answer == "accept" else "offer_declined")
    return RedirectResponse("/me", status_code=303)


@router.get("/me", summary="The signed-in person's own page: their plan")
async def me(request: Request) -> Response:
    person, token = require_signed_in(request)
    plan, unavailable, applications = None, None, None
    try:
        applications = await request.app.state.enrollment.my_applications(token)
    except ApiRefused as refused:
        if refused.status == 401:
            raise
        # enrollment does not answer: the plan still shows, and the page says the applications cannot.
    if person.is_a(PARTICIPANT_ROLES):
        try:
            plan = await request.app.state.plans.plan(token, person)
        except ApiRefused as refused:
            if refused.status == 401:
                raise
            # No plan yet (404), or sessions does not answer: the rest of the page still serves.
            unavailable = refused.status
    return page_renderer(request).render(request, "me.html", plan=plan, unavailable=unavailable, applications=applications)
