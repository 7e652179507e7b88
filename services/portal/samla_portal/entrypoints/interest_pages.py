"""Interest in the next cohort (issue 16): "tell me when the next cohort opens", with the region one would
like it in, posted from the programme page; the regional demand table is on the programme page itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from samla_portal.entrypoints.form_errors import attempted
from samla_portal.entrypoints.pages import programme_page
from samla_portal.entrypoints.session import checked_form, done, require_signed_in

router = APIRouter()


@router.post("/programmes/{programme_id}/interest", summary="Register interest in the programme's next cohort")
async def register_interest(request: Request, programme_id: str) -> Response:
    person, token = require_signed_in(request)
    form = {k: str(v).strip() for k, v in (await checked_form(request)).items()}
    _, errors = await attempted(request.app.state.interest.register(token, programme_id, form.get("region")))
    if not errors:
        return done(request, "interest_registered", f"/programmes/{programme_id}#interest")
    return await programme_page(request, person, token, programme_id, errors=errors, interest_form=form,
                                status_code=422)
