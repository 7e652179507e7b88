"""Authentication and authorisation on the running services, with real tokens from the development issuer.

The matrix test walks every cell of every service's access table (the same tables
docs/security.md is generated from): a role the table grants passes the authoriser, a
role it does not gets 403, and a call without a token gets 401 unless the rule is open.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from samla_enrollment.entrypoints.access import ACCESS as ENROLLMENT_ACCESS
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.access import ACCESS as MEASURES_ACCESS
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_notifications.entrypoints.access import ACCESS as NOTIFICATIONS_ACCESS
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_sessions.entrypoints.access import ACCESS as SESSIONS_ACCESS
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from samla_shared.security.access import Anonymous, Rule
from samla_shared.security.principal import Role

SERVICES = {
    "enrollment": (create_enrollment, EnrollmentSettings, ENROLLMENT_ACCESS),
    "sessions": (create_sessions, SessionsSettings, SESSIONS_ACCESS),
    "measures": (create_measures, MeasuresSettings, MEASURES_ACCESS),
    "notifications": (create_notifications, NotificationsSettings, NOTIFICATIONS_ACCESS),
}
SCOPE = {"networks": ["net-matrix"], "organisations": ["org-matrix"], "units": ["unit-matrix"],
         "person_id": "person-matrix"}


def _run_service(config: pytest.Config) -> Any:
    """The root conftest's `run_service` (its `service` fixture is per test; these apps live per module)."""
    for plugin in config.pluginmanager.get_plugins():
        if (run_service := getattr(plugin, "run_service", None)) is not None:
            return run_service
    raise LookupError("the root conftest with run_service is not loaded")


@pytest.fixture(scope="module")
async def running(request: pytest.FixtureRequest):
    """running(name) -> the admin client of that service, started once for the module."""
    clients: dict[str, httpx.AsyncClient] = {}
    async with AsyncExitStack() as stack:

        async def client_of(name: str) -> httpx.AsyncClient:
            if name not in clients:
                create_app, settings, _ = SERVICES[name]
                extra = {"run_schedulers": False, "allow_private_webhook_urls": True} if name == "notifications" else {}
                clients[name] = await stack.enter_async_context(
                    _run_service(request.config)(create_app, settings, **extra))
            return clients[name]

        yield client_of


@pytest.fixture(scope="module")
def tokens(dev_issuer):
    """One token per role, all scoped to the same network, organisation, unit and person."""
    return {role: dev_issuer.mint(f"matrix-{role.value}", roles=[role.value], **SCOPE) for role in Role}


def _cells() -> list[Any]:
    cells = []
    for name, (_, _, table) in SERVICES.items():
        for rule in table.rules:
            if rule.endpoint == "GET /openapi.json":
                continue  # FastAPI's own route, outside the authoriser; covered by the open test below
            for role in [None, *Role]:
                label = f"{name}:{rule.endpoint}:{role.value if role else 'no-token'}"
                cells.append(pytest.param(name, rule, role, id=label))
    return cells


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"matrix-{m.group(1)}", path)


@pytest.mark.parametrize(("name", "rule", "role"), _cells())
async def test_every_cell_of_the_authorisation_matrix(running, tokens, caller, name: str, rule: Rule,
                                                      role: Role | None):
    admin = await running(name)
    client = caller(admin, token=tokens[role] if role else None)
    body = {"json": {}} if rule.method in ("POST", "PUT", "PATCH") else {}
    response = await client.request(rule.method, _concrete(rule.path), **body)
    if rule.anonymous is Anonymous.OPEN:
        assert response.status_code not in (401, 403), response.text
    elif role is None and rule.anonymous is None:
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
    elif role is None:  # the public form: the programme decides, after the rate limit
        assert response.status_code not in (403, 429), response.text
    elif role in rule.grants:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_openapi_and_health_need_no_token(running, caller):
    anonymous = caller(await running("sessions"), token=None)
    assert (await anonymous.get("/openapi.json")).status_code == 200
    assert (await anonymous.get("/health/live")).status_code == 200
    assert (await anonymous.get("/metrics")).status_code == 401


# -- tokens that are refused ------------------------------------------------------------------

def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_refused_tokens_get_401_with_a_bearer_challenge(running, caller, dev_issuer):
    enrollment = await running("enrollment")
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    now = int(time.time())
    forged_claims = {"iss": dev_issuer.url, "aud": "samla", "sub": "eve", "exp": now + 600, "roles": ["platform_admin"]}
    refused = {
        "expired": dev_issuer.mint("kari", roles=["platform_admin"], expires_in=-300),
        "wrong audience": dev_issuer.mint("kari", roles=["platform_admin"], audience="another-api"),
        "unknown key": jwt.encode({"alg": "RS256", "kid": "stranger"}, forged_claims, stranger),
        "alg none": _unsigned(forged_claims),
        "not a jwt": "not-a-token",
    }
    for why, token in refused.items():
        response = await caller(enrollment, token=token).get("/programmes")
        assert response.status_code == 401, f"{why}: {response.text}"
        assert 'error="invalid_token"' in response.headers["www-authenticate"], why
        assert response.json()["title"] == "Unauthorized"

    missing = await caller(enrollment, token=None).get("/programmes")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="samla"'
    other_scheme = await enrollment.get("/programmes", headers={"Authorization": "Basic a2FyaTpzZWNyZXQ="})
    assert other_scheme.status_code == 401
    # The same issuer's valid token passes: the refusals above are about the token, not the caller.
    assert (await caller(enrollment, roles=["platform_admin"]).get("/programmes")).status_code == 200


# -- scope: other networks do not exist for you ------------------------------------------------

def _window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat()}


def _form(tag: str, n: int) -> dict[str, Any]:
    return {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}.{tag}@example.no"},
            "manager": {"name": "Leder Lund", "email": f"leder{n}.{tag}@example.no"},
            "organisation_id": "org-unn", "unit_id": f"unit-{n}"}


async def test_another_networks_programmes_and_cohorts_answer_404(running, caller):
    enrollment = await running("enrollment")
    mine, theirs = f"net-{uuid.uuid4().hex[:6]}", f"net-{uuid.uuid4().hex[:6]}"
    coordinator = caller(enrollment, "kari", roles=["network_coordinator"], networks=[mine])
    stranger = caller(enrollment, "ola", roles=["network_coordinator", "programme_coordinator"], networks=[theirs])

    created = await coordinator.post("/programmes", json={"code": "KULT", "title": "Kultur", "network_id": mine})
    assert created.status_code == 201, created.text
    programme = created.json()["id"]
    cohort = await coordinator.post("/cohorts", json={"programme_id": programme, "term": "h27", "capacity": 5,
                                                      **_window()})
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]

    assert (await coordinator.get(f"/programmes/{programme}")).status_code == 200
    for path in (f"/programmes/{programme}", f"/cohorts/{cohort_id}", f"/cohorts/{cohort_id}/history",
                 f"/cohorts/{cohort_id}/applications", f"/programmes/{programme}/interest"):
        response = await stranger.get(path)
        assert response.status_code == 404, f"{path}: {response.text}"
    changed = await stranger.patch(f"/programmes/{programme}", json={"title": "Kapret", "by": "ola"})
    assert changed.status_code == 404
    assert (await coordinator.get(f"/programmes/{programme}")).json()["title"] == "Kultur"
    # Lists show only the caller's networks; naming another network shows nothing.
    assert programme not in [p["id"] for p in (await stranger.get("/programmes")).json()]
    assert (await stranger.get("/programmes", params={"network_id": mine})).json() == []
    assert programme in [p["id"] for p in (await coordinator.get("/programmes")).json()]
    # Publishing into a network one does not coordinate is refused outright.
    foreign = await stranger.post("/programmes", json={"code": "X", "title": "X", "network_id": mine})
    assert foreign.status_code == 403


async def test_another_networks_subscriptions_answer_404_to_an_integrator(running, caller):
    notifications = await running("notifications")
    mine, theirs = f"net-{uuid.uuid4().hex[:6]}", f"net-{uuid.uuid4().hex[:6]}"
    integrator = caller(notifications, "hr-system", roles=["integrator"], networks=[mine])
    other = caller(notifications, "bi-tool", roles=["integrator"], networks=[theirs])
    created = await integrator.post("/subscriptions", json={"url": "http://127.0.0.1:9/samla", "network_id": mine,
                                                            "event_types": ["ParticipantEnrolled"]})
    assert created.status_code == 201, created.text
    subscription = created.json()["id"]

    assert (await integrator.get(f"/subscriptions/{subscription}")).status_code == 200
    assert (await other.get(f"/subscriptions/{subscription}")).status_code == 404
    assert (await other.delete(f"/subscriptions/{subscription}")).status_code == 404
    assert subscription not in [s["id"] for s in (await other.get("/subscriptions")).json()]
    assert (await integrator.get(f"/subscriptions/{subscription}")).json()["status"] == "active"
    refused = await other.post("/subscriptions", json={"url": "http://127.0.0.1:9/evil", "network_id": mine,
                                                       "event_types": ["ParticipantEnrolled"]})
    assert refused.status_code == 403


async def test_another_networks_measures_and_insight_answer_404(running, caller):
    measures = await running("measures")
    mine, theirs = f"net-{uuid.uuid4().hex[:6]}", f"net-{uuid.uuid4().hex[:6]}"
    leader = caller(measures, "leder-1", roles=["organisation_leader"], organisations=["org-oppdal"],
                    units=["unit-hjemme"], networks=[mine])
    proposed = await leader.post("/measures", json={
        "network_id": mine, "organisation_id": "org-oppdal", "unit_ids": ["unit-hjemme"], "title": "Tidlig på",
        "area": "sick_leave_follow_up", "goal": "Lavere sykefravær", "owners": [
            {"role": "leader", "person_id": "leder-1"}, {"role": "union_representative", "person_id": "tv-1"},
            {"role": "safety_representative", "person_id": "vo-1"}]})
    assert proposed.status_code == 201, proposed.text
    measure = proposed.json()["id"]

    other_coordinator = caller(measures, "ola", roles=["network_coordinator"], networks=[theirs])
    other_leader = caller(measures, "leder-2", roles=["organisation_leader"], organisations=["org-oppdal"],
                          units=["unit-sykehjem"])
    coordinator = caller(measures, "kari", roles=["network_coordinator"], networks=[mine])
    for client in (other_coordinator, other_leader):
        assert (await client.get(f"/measures/{measure}")).status_code == 404
        assert measure not in [m["id"] for m in (await client.get("/measures")).json()]
    assert (await coordinator.get(f"/measures/{measure}")).status_code == 200
    assert (await other_coordinator.get(f"/networks/{mine}/insight")).status_code == 404
    assert (await coordinator.get(f"/networks/{mine}/insight")).status_code == 200
    # The union representative named on the measure sees it and agrees in their own name only.
    representative = caller(measures, "tv-1", roles=["union_representative"], organisations=["org-oppdal"],
                            units=["unit-hjemme"], person_id="tv-1")
    assert (await representative.get(f"/measures/{measure}")).status_code == 200
    in_another_name = await representative.post(f"/measures/{measure}/consents",
                                                json={"role": "safety_representative", "person_id": "vo-1"})
    assert in_another_name.status_code == 403


# -- party cooperation: each party agrees for themself; leaders propose only where they lead ----

async def test_a_leader_cannot_agree_for_the_representatives_adopt_alone_or_propose_elsewhere(running, caller):
    measures = await running("measures")
    mine, theirs, org = f"net-{uuid.uuid4().hex[:6]}", f"net-{uuid.uuid4().hex[:6]}", f"org-{uuid.uuid4().hex[:6]}"
    leader = caller(measures, "leder-1", roles=["organisation_leader"], organisations=[org], units=["unit-hjemme"],
                    networks=[mine], person_id="leder-1")
    body = {"network_id": mine, "organisation_id": org, "unit_ids": ["unit-hjemme"], "title": "Tidlig på",
            "area": "sick_leave_follow_up", "goal": "Lavere sykefravær"}
    # Another network, units outside the leader's, another organisation: refused, and nothing shows there.
    assert (await leader.post("/measures", json=body | {"network_id": theirs})).status_code == 422
    assert (await leader.post("/measures", json=body | {"unit_ids": ["unit-hjemme", "unit-sykehjem"]})).status_code == 404
    assert (await leader.post("/measures", json=body | {"organisation_id": "org-annen"})).status_code == 404
    their_coordinator = caller(measures, "ola", roles=["network_coordinator"], networks=[theirs])
    assert (await their_coordinator.get("/measures")).json() == []
    # The body names no author: audit fields are the caller.
    assert (await leader.post("/measures", json=body | {"proposed_by": "someone"})).status_code == 422

    proposed = await leader.post("/measures", json=body)
    assert proposed.status_code == 201, proposed.text
    measure = proposed.json()["id"]
    assert proposed.json()["proposed_by"] == "leder-1"
    consents = f"/measures/{measure}/consents"
    for role, person in (("union_representative", "tv-1"), ("safety_representative", "vo-1")):
        assert (await leader.post(consents, json={"role": role, "person_id": person})).status_code == 403
        assert (await measures.post(consents, json={"role": role, "person_id": person})).status_code == 403  # admin
    assert (await leader.post(consents, json={})).status_code == 200
    assert (await leader.post(f"/measures/{measure}/adoption", json={})).status_code == 409

    # Representatives of another organisation neither see it nor find it in their inbox.
    stranger = caller(measures, "tv-9", roles=["union_representative"], organisations=["org-annen"], person_id="tv-9")
    assert (await stranger.post(consents, json={})).status_code == 404
    assert (await stranger.get("/inbox/representative")).json()["awaiting_your_agreement"] == []
    for role, person in (("union_representative", "tv-1"), ("safety_representative", "vo-1")):
        party = caller(measures, person, roles=[role], organisations=[org], units=["unit-hjemme"], person_id=person)
        assert [m["id"] for m in (await party.get("/inbox/representative")).json()["awaiting_your_agreement"]] == [
            measure]
        assert (await party.post(consents, json={})).status_code == 200
    adopted = await leader.post(f"/measures/{measure}/adoption", json={})
    assert adopted.status_code == 200, adopted.text
    assert {o["role"]: o["person_id"] for o in adopted.json()["owners"]} == {
        "leader": "leder-1", "union_representative": "tv-1", "safety_representative": "vo-1"}


async def test_the_national_overview_is_for_national_coordinators_only(running, caller):
    measures = await running("measures")
    programme_coordinator = caller(measures, "per", roles=["programme_coordinator"], networks=["net-a"])
    assert (await programme_coordinator.get("/national/overview")).status_code == 403
    # Not in national mode here: the national coordinator passes the authoriser and learns that (404).
    national_coordinator = caller(measures, "nina", roles=["national_coordinator"])
    assert (await national_coordinator.get("/national/overview")).status_code == 404


# -- leaders approve only their own employees' applications ------------------------------------

async def test_a_leader_approves_only_applications_in_their_scope_or_naming_them(running, caller):
    enrollment = await running("enrollment")
    network, tag = f"net-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:6]
    programme = (await enrollment.post("/programmes", json={"code": "KULT", "title": "Kultur", "network_id": network,
                                                           "requires_manager_approval": True})).json()["id"]
    cohort = (await enrollment.post("/cohorts", json={"programme_id": programme, "term": "h27", "capacity": 5,
                                                      **_window()})).json()["id"]
    first = (await enrollment.post(f"/cohorts/{cohort}/applications", json=_form(tag, 1))).json()
    second = (await enrollment.post(f"/cohorts/{cohort}/applications", json=_form(tag, 2))).json()
    assert first["status"] == second["status"] == "awaiting_manager_approval", first

    # The leader of unit-1 at org-unn, as their identity provider knows them.
    leader = caller(enrollment, f"leder-{tag}", roles=["organisation_leader"], organisations=["org-unn"],
                    units=["unit-1"])
    assert (await leader.get(f"/applications/{first['id']}")).status_code == 200
    others = await leader.post(f"/applications/{second['id']}/approval", json={"decision": "approve"})
    assert others.status_code == 404, others.text
    in_another_name = await leader.post(f"/applications/{first['id']}/approval",
                                        json={"decision": "approve", "manager_id": second["manager_id"]})
    assert in_another_name.status_code == 403
    assert (await enrollment.get(f"/applications/{second['id']}")).json()["status"] == "awaiting_manager_approval"

    own = await leader.post(f"/applications/{first['id']}/approval", json={"decision": "approve"})
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "enrolled"
    # The applicant reads their own application, not their colleague's.
    applicant = caller(enrollment, "deltaker-1", roles=["participant"], person_id=first["participant_id"])
    assert (await applicant.get(f"/applications/{first['id']}")).status_code == 200
    assert (await applicant.get(f"/applications/{second['id']}")).status_code == 404


# -- the public form ---------------------------------------------------------------------------

async def test_the_public_form_needs_the_programmes_consent_and_is_rate_limited(service, caller):
    async with service(create_enrollment, EnrollmentSettings, public_form_burst=3,
                       public_form_per_minute=1) as enrollment:
        network, tag = f"net-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:6]

        async def cohort_of(open_form: bool) -> str:
            programme = (await enrollment.post("/programmes", json={
                "code": "OPEN", "title": "Open", "network_id": network, "requires_manager_approval": False,
                "accepts_anonymous_applications": open_form})).json()["id"]
            return (await enrollment.post("/cohorts", json={"programme_id": programme, "term": "h27", "capacity": 50,
                                                            **_window()})).json()["id"]

        closed, open_ = await cohort_of(False), await cohort_of(True)
        anonymous = caller(enrollment, token=None)
        refused = await anonymous.post(f"/cohorts/{closed}/applications", json=_form(tag, 0))
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")

        answers = [await anonymous.post(f"/cohorts/{open_}/applications", json=_form(tag, n)) for n in range(1, 6)]
        codes = [a.status_code for a in answers]
        # The closed programme's refusal took the first of three tokens; the form answers 202 (received).
        assert codes == [202, 202, 429, 429, 429], [a.text for a in answers]
        assert int(answers[2].headers["retry-after"]) >= 1
        assert answers[2].json()["status"] == 429
        # Signed-in applicants are not counted against the address.
        signed_in = caller(enrollment, "deltaker", roles=["participant"], email=f"deltaker.{tag}@example.no")
        assert (await signed_in.post(f"/cohorts/{open_}/applications", json=_form(tag, 9))).status_code == 201
        listed = (await enrollment.get(f"/cohorts/{open_}/applications")).json()
        assert len(listed) == 3
