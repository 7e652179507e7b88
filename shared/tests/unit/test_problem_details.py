"""The refusals of every service's domain are answered once, the same way: NotFound 404,
Conflict 409, RuleViolation 422, with the refusal's extensions in the problem-details body;
a service maps only its own extras."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from samla_shared.errors import Conflict, DomainError, NotFound, RuleViolation
from samla_shared.http.problems import install_problem_handlers


class ServiceOwnViolation(RuleViolation):
    """A service's own refusal, derived from a shared one (as sessions' RuleViolation is)."""


class Unavailable(Exception):
    """A service's own extra, mapped by the service (as sessions' PeopleUnavailable is)."""


def app_raising(error: Exception, *, with_extra: bool = False) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, {Unavailable: 503} if with_extra else {})

    @app.get("/refuse")
    async def refuse() -> None:
        raise error

    return app


async def answer(app: FastAPI) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://test") as client:
        return await client.get("/refuse")


@pytest.mark.parametrize(("error", "status", "title"), [
    (NotFound("no cohort c-1"), 404, "Not found"),
    (Conflict("the cohort is closed"), 409, "Conflict"),
    (RuleViolation("too many seats"), 422, "Invalid request"),
    (ServiceOwnViolation("agenda too long"), 422, "Invalid request"),
])
async def test_each_shared_refusal_has_its_status_for_every_service(error, status, title):
    response = await answer(app_raising(error))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": title, "status": status, "detail": str(error)}


async def test_a_refusals_extensions_are_members_of_the_body():
    response = await answer(app_raising(Conflict("already applied", application_id="a-1", seats=None)))
    assert response.status_code == 409
    assert response.json() == {"type": "about:blank", "title": "Conflict", "status": 409,
                               "detail": "already applied", "application_id": "a-1", "seats": None}


async def test_a_service_maps_its_own_extras_beside_the_shared_ones():
    response = await answer(app_raising(Unavailable("the people directory does not answer"), with_extra=True))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert (await answer(app_raising(NotFound("x"), with_extra=True))).status_code == 404


async def test_the_base_of_the_refusals_alone_is_no_client_error():
    # Only the concrete refusals say what the client did; a bare DomainError is a bug (500).
    response = await answer(app_raising(DomainError("unclassified")))
    assert response.status_code == 500
