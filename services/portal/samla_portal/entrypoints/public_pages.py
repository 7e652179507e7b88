"""Pages for visitors who have not signed in: a programme that takes applications without signing in,
and its public application form with a receipt that says the same whether or not the address applied
before (enrollment answers alike, so the portal could not tell either)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from samla_portal.adapters.samla_api import ApiRefused
from samla_portal.entrypoints.form_errors import field_errors, missing
from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import checked_form, forwarded_for
from samla_portal.service_layer.public_form import NotPublic, PublicCohort

router = APIRouter()

REQUIRED = ["name", "email", "unit_id", "manager_name", "manager_email"]


async def public_programme(request: Request, programme_id: str) -> Response:
    """The programme page for a signed-out visitor: its open cohorts, each with the public form.
    A programme that wants signed-in applicants only sends the visitor to sign in, as before."""
    try:
        programme, cohorts = await request.app.state.public_form.programme(programme_id)
    except (NotPublic, ApiRefused) as refusal:
        if isinstance(refusal, ApiRefused) and refusal.status != 404:
            raise
        return RedirectResponse(f"/sign-in?next=/programmes/{programme_id}", status_code=303)
    return page_renderer(request).render(request, "programme_public.html", programme=programme, cohorts=cohorts)


@router.get("/cohorts/{cohort_id}/public-application", summary="The public application form (no sign-in)")
async def public_application_form(request: Request, cohort_id: str) -> Response:
    found = await _public_cohort(request, cohort_id)
    return page_renderer(request).render(request, "apply_public.html", found=found, form={}, errors=[])


@router.post("/cohorts/{cohort_id}/public-application", summary="Send the public form's application to enrollment")
async def send_public_application(request: Request, cohort_id: str) -> Response:
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    found = await _public_cohort(request, cohort_id)
    errors = missing(form, REQUIRED)
    if not errors:
        form["language"] = page_renderer(request).language(request)
        try:
            await request.app.state.public_form.apply(found, form, forwarded_for=forwarded_for(request))
        except ApiRefused as refused:
            if refused.status == 429:
                errors = [{"field": None, "message": "too_many_applications"}]
            elif refused.status in (409, 422):
                # The organisation is the chosen unit's: a refusal of it is about the unit field.
                errors = [e | {"field": "unit_id"} if e["field"] == "organisation_id" else e
                          for e in field_errors(refused)]
            else:
                raise
        else:
            return RedirectResponse(f"/cohorts/{cohort_id}/public-application/received", status_code=303)
    return page_renderer(request).render(request, "apply_public.html", 422, found=found, form=form, errors=errors)


@router.get("/cohorts/{cohort_id}/public-application/received", summary="The public form's receipt")
async def public_application_received(request: Request, cohort_id: str) -> Response:
    found = await _public_cohort(request, cohort_id)
    return page_renderer(request).render(request, "applied_public.html", found=found)


async def _public_cohort(request: Request, cohort_id: str) -> PublicCohort:
    try:
        return await request.app.state.public_form.cohort(cohort_id)
    except NotPublic:
        # The same page as for a cohort that does not exist: nothing to learn from the difference.
        raise ApiRefused(404, "Not found") from None

