"""The portal's pages. Each one calls a use case with the person's own token and renders the answer."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.domain.people import COORDINATOR_ROLES, LEADER_ROLES, PARTICIPANT_ROLES, SESSION_RUNNERS
from samla_portal.entrypoints.rendering import Renderer
from samla_portal.entrypoints.session import checked_form, flash, require_signed_in, signed_in
from samla_portal.service_layer.gatherings import AGENDA_KINDS, ATTENDANCE, BLANK_AGENDA_ROWS, session_days
from samla_portal.service_layer.measures import ACTIVE, AREAS, INDICATOR_KINDS, RUNS_MEASURES, party_to_agree

router = APIRouter()


def _pages(request: Request) -> Renderer:
    return request.app.state.renderer


@router.get("/", summary="Front page: what the signed-in person can do")
async def front_page(request: Request) -> Response:
    person = signed_in(request)
    return _pages(request).render(request, "front.html", tasks=person.tasks() if person else [])


@router.get("/programmes", summary="Programmes the person may see (coordinators: their networks')")
async def programmes(request: Request) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.enrollment.programmes(token)
    return _pages(request).render(request, "programmes.html", programmes=found)


@router.get("/programmes/{programme_id}", summary="A programme and its cohorts")
async def programme(request: Request, programme_id: str) -> Response:
    person, token = require_signed_in(request)
    found, cohorts = await request.app.state.enrollment.programme(token, programme_id)
    return _pages(request).render(request, "programme.html", programme=found, cohorts=cohorts,
                                  coordinates=person.is_a(COORDINATOR_ROLES),
                                  may_apply=person.is_a(PARTICIPANT_ROLES))


@router.get("/cohorts/{cohort_id}", summary="A cohort with its applications and waitlist (coordinators)")
async def cohort(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    overview = await request.app.state.enrollment.cohort_overview(token, cohort_id)
    return _pages(request).render(request, "cohort.html", overview=overview)


@router.get("/cohorts/{cohort_id}/apply", summary="The application form of a cohort")
async def apply_form(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    found, programme = await request.app.state.enrollment.cohort(token, cohort_id)
    form = {"organisation_id": next(iter(person.organisations), ""), "unit_id": next(iter(person.units), "")}
    return _pages(request).render(request, "apply.html", cohort=found, programme=programme, form=form, errors=[])


@router.post("/cohorts/{cohort_id}/apply", summary="Send an application to enrollment")
async def apply(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    enrollment = request.app.state.enrollment
    errors = _missing(form, ["manager_name", "manager_email", "organisation_id", "unit_id"])
    if not errors:
        try:
            application = await enrollment.apply(token, cohort_id, person, form)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            return _pages(request).render(request, "applied.html", status_code=201, application=application)
    found, programme = await enrollment.cohort(token, cohort_id)
    return _pages(request).render(request, "apply.html", 422, cohort=found, programme=programme, form=form,
                                  errors=errors)


@router.get("/applications", summary="A leader's applications: awaiting my decision, and my employees'")
async def applications_inbox(request: Request) -> Response:
    person, token = require_signed_in(request)
    inbox = await request.app.state.enrollment.leader_inbox(token)
    return _pages(request).render(request, "applications.html", inbox=inbox)


@router.get("/applications/{application_id}", summary="An application; its leader approves or declines here")
async def application(request: Request, application_id: str) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.enrollment.application(token, application_id)
    decides = person.is_a(LEADER_ROLES) and found["status"] == "awaiting_manager_approval"
    return _pages(request).render(request, "application.html", application=found, decides=decides, errors=[])


@router.post("/applications/{application_id}/decision", summary="The leader's decision, posted to enrollment")
async def decide(request: Request, application_id: str) -> Response:
    person, token = require_signed_in(request)
    form = await checked_form(request)
    decision, reason = str(form.get("decision", "")), str(form.get("reason", "")).strip()
    enrollment = request.app.state.enrollment
    errors = []
    if decision not in ("approve", "decline"):
        errors.append({"field": "decision", "message": "choose_decision"})
    elif decision == "decline" and not reason:
        errors.append({"field": "reason", "message": "reason_needed"})
    if not errors:
        try:
            await enrollment.decide(token, application_id, approve=decision == "approve", reason=reason)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            flash(request, "approved" if decision == "approve" else "declined")
            return RedirectResponse(f"/applications/{application_id}", status_code=303)
    found = await enrollment.application(token, application_id)
    return _pages(request).render(request, "application.html", 422, application=found,
                                  decides=found["status"] == "awaiting_manager_approval", errors=errors)


@router.get("/measures", summary="Measures waiting for the person: to agree, to adopt, to follow up")
async def measures_inbox(request: Request) -> Response:
    person, token = require_signed_in(request)
    inbox = await request.app.state.measures.inbox(token, person)
    return _pages(request).render(request, "measures.html", inbox=inbox,
                                  proposes=person.is_a(LEADER_ROLES) and bool(person.units))


@router.get("/measures/new", summary="A leader proposes a measure for their unit, from the toolbox")
async def propose_form(request: Request) -> Response:
    person, token = require_signed_in(request)
    method_id = request.query_params.get("method", "")
    return await _proposal_page(request, person, token, {"method_id": method_id, "indicator_kind": ""}, [])


@router.post("/measures/new", summary="Send the proposal to measures")
async def propose(request: Request) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    form.setdefault("network_id", person.networks[0] if person.networks else "")
    form.setdefault("organisation_id", person.organisations[0] if person.organisations else "")
    required = ["title", "area", "goal", "unit_id"]
    if form.get("indicator_kind"):
        required += ["baseline", "target"]
    errors = _missing(form, required)
    if not errors:
        try:
            created = await request.app.state.measures.propose(token, person, form)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            flash(request, "proposed")
            return RedirectResponse(f"/measures/{created['id']}", status_code=303)
    return await _proposal_page(request, person, token, form, errors, 422)


async def _proposal_page(request: Request, person, token: str, form: dict[str, str],  # noqa: ANN001
                         errors: list, status_code: int = 200) -> Response:
    methods = await request.app.state.measures.toolbox(token, person)
    chosen = next((m for m in methods if m["id"] == form.get("method_id")), None)
    if chosen and not form.get("area"):
        form["area"] = chosen["areas"][0]
    return _pages(request).render(request, "propose.html", status_code, form=form, errors=errors, methods=methods,
                                  chosen=chosen, units=person.units, areas=AREAS, kinds=INDICATOR_KINDS)


@router.get("/measures/{measure_id}", summary="A measure, its parties, indicators with charts and follow-ups")
async def measure(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    found = await request.app.state.measures.page(token, measure_id)
    return _measure_page(request, person, found, [])


def _measure_page(request: Request, person, found, errors: list, status_code: int = 200,  # noqa: ANN001
                  indicator_form: dict[str, str] | None = None) -> Response:
    status = found.measure["status"]
    runs = person.is_a(RUNS_MEASURES)
    return _pages(request).render(
        request, "measure.html", status_code, measure=found.measure, follow_ups=found.follow_ups, runs=runs,
        kinds=INDICATOR_KINDS, indicator_form=indicator_form,
        charts=found.charts, method=found.method, party=party_to_agree(person, found.measure), errors=errors,
        adopts=runs and status == "proposed" and not found.measure["missing_agreements"],
        follows_up=runs and status in ACTIVE, today=date.today().isoformat())


@router.post("/measures/{measure_id}/agreement", summary="The signed-in party agrees, posted to measures")
async def agree(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    measures = request.app.state.measures
    found = await measures.measure(token, measure_id)
    party = party_to_agree(person, found)
    errors = [] if party else [{"field": None, "message": "nothing_to_agree"}]
    if party:
        try:
            await measures.agree(token, measure_id, person, party)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            flash(request, "agreed")
            return RedirectResponse(f"/measures/{measure_id}", status_code=303)
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422)


@router.post("/measures/{measure_id}/adoption", summary="Adopt a measure all three parties agreed to")
async def adopt(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    await checked_form(request)
    measures = request.app.state.measures
    try:
        await measures.adopt(token, measure_id)
    except ApiRefused as refused:
        if refused.status not in (409, 422):
            raise
        return _measure_page(request, person, await measures.page(token, measure_id), _field_errors(refused), 409)
    flash(request, "adopted")
    return RedirectResponse(f"/measures/{measure_id}", status_code=303)


@router.post("/measures/{measure_id}/indicators", summary="Add an indicator with its baseline and target")
async def add_indicator(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    measures = request.app.state.measures
    errors = _missing(form, ["indicator_kind", "baseline", "target"])
    if not errors:
        try:
            await measures.add_indicator(token, measure_id, form)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            flash(request, "indicator_added")
            return RedirectResponse(f"/measures/{measure_id}#indicators", status_code=303)
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422, indicator_form=form)


@router.post("/measures/{measure_id}/follow-ups", summary="Record a follow-up with a reading of each indicator")
async def follow_up(request: Request, measure_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    readings = {k.removeprefix("reading-"): v for k, v in form.items() if k.startswith("reading-")}
    measures = request.app.state.measures
    errors = _missing(form, ["held_on", "in_practice"])
    if not errors:
        try:
            await measures.follow_up(token, measure_id, form, readings)
        except ApiRefused as refused:
            if refused.status not in (409, 422):
                raise
            errors = _field_errors(refused)
        else:
            flash(request, "followed_up")
            return RedirectResponse(f"/measures/{measure_id}#indicators", status_code=303)
    return _measure_page(request, person, await measures.page(token, measure_id), errors, 422)


@router.get("/cohorts/{cohort_id}/sessions", summary="A cohort's sessions; generate them from the programme's plan")
async def cohort_sessions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    cohort, programme, found = await request.app.state.gatherings.cohort_sessions(token, cohort_id)
    return _pages(request).render(request, "sessions.html", cohort=cohort, programme=programme, sessions=found,
                                  runs=person.is_a(SESSION_RUNNERS), errors=[], form={})


@router.post("/cohorts/{cohort_id}/sessions", summary="Generate the cohort's sessions from the programme's plan")
async def generate_sessions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    gatherings = request.app.state.gatherings
    try:
        await gatherings.generate(token, cohort_id, form.get("starts_on"))
    except ApiRefused as refused:
        if refused.status not in (404, 409, 422):
            raise
        cohort, programme, found = await gatherings.cohort_sessions(token, cohort_id)
        return _pages(request).render(request, "sessions.html", 422, cohort=cohort, programme=programme,
                                      sessions=found, runs=True, errors=_field_errors(refused), form=form)
    flash(request, "generated")
    return RedirectResponse(f"/cohorts/{cohort_id}/sessions", status_code=303)


@router.get("/cohorts/{cohort_id}/completions", summary="Who completed the cohort, and everyone's progress")
async def completions(request: Request, cohort_id: str) -> Response:
    person, token = require_signed_in(request)
    cohort, programme = await request.app.state.enrollment.cohort(token, cohort_id)
    found, names = await request.app.state.gatherings.completions(token, cohort_id)
    return _pages(request).render(request, "completions.html", cohort=cohort, programme=programme,
                                  completions=found, names=names)


@router.get("/sessions/{session_id}", summary="A session: its agenda, attendance taken in the room, held")
async def session_page(request: Request, session_id: str) -> Response:
    person, token = require_signed_in(request)
    sheet = await request.app.state.gatherings.sheet(token, session_id)
    return _session_page(request, person, sheet, [])


def _session_page(request: Request, person, sheet, errors: list, status_code: int = 200,  # noqa: ANN001
                  agenda_form: dict[str, str] | None = None) -> Response:
    items = sheet.session.get("agenda") or []
    return _pages(request).render(request, "session.html", status_code, sheet=sheet, session=sheet.session,
                                  items=items, days=session_days(sheet.session), blank_rows=BLANK_AGENDA_ROWS, kinds=AGENDA_KINDS, choices=ATTENDANCE,
                                  runs=person.is_a(SESSION_RUNNERS), errors=errors, agenda_form=agenda_form)


@router.post("/sessions/{session_id}/agenda", summary="Replace the session's agenda")
async def save_agenda(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "agenda_saved",
                                 lambda g, token, form: g.save_agenda(token, session_id, form), keep_form=True)


@router.post("/sessions/{session_id}/attendance", summary="Attendance taken in the room, one choice per participant")
async def take_attendance(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "attendance_saved",
                                 lambda g, token, form: g.take_attendance(token, session_id, form))


@router.post("/sessions/{session_id}/held", summary="Mark the session held")
async def mark_held(request: Request, session_id: str) -> Response:
    return await _session_action(request, session_id, "held",
                                 lambda g, token, form: g.mark_held(token, session_id))


async def _session_action(request: Request, session_id: str, done: str, action, keep_form: bool = False) -> Response:  # noqa: ANN001
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    gatherings = request.app.state.gatherings
    try:
        await action(gatherings, token, form)
    except ApiRefused as refused:
        if refused.status not in (409, 422):
            raise
        return _session_page(request, person, await gatherings.sheet(token, session_id), _field_errors(refused),
                             refused.status, agenda_form=form if keep_form else None)
    flash(request, done)
    return RedirectResponse(f"/sessions/{session_id}", status_code=303)


@router.get("/networks/{network_id}", summary="A network's insight as a dashboard (network coordinators)")
async def network_dashboard(request: Request, network_id: str) -> Response:
    person, token = require_signed_in(request)
    insight = await request.app.state.insight.network(token, network_id)
    return _pages(request).render(request, "network.html", insight=insight, areas=AREAS)


@router.get("/national", summary="The national overview across every region (national coordinators)")
async def national_overview(request: Request) -> Response:
    person, token = require_signed_in(request)
    region = request.query_params.get("region") or None
    overview = await request.app.state.insight.national(token, region)
    return _pages(request).render(request, "national.html", overview=overview, region=region)


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
    return _pages(request).render(request, "me.html", plan=plan, unavailable=unavailable, applications=applications)


def _missing(form: dict[str, str], names: list[str]) -> list[dict[str, str | None]]:
    return [{"field": name, "message": "required"} for name in names if not form.get(name)]


def _field_errors(refused: ApiRefused) -> list[dict[str, str | None]]:
    """The service's reasons, tied to the form's fields where the problem names one."""
    if not refused.errors:
        return [{"field": None, "message": None, "detail": refused.detail or refused.title}]
    found = []
    for error in refused.errors:
        location = str(error.get("location") or ".".join(str(p) for p in error.get("loc", [])))
        field = {"manager.email": "manager_email", "manager.name": "manager_name"}.get(
            location.removeprefix("body."), location.rsplit(".", 1)[-1] or None)
        found.append({"field": field, "message": None, "detail": str(error.get("message") or error.get("msg"))})
    return found
