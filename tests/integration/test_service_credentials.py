"""Services call each other with short-lived client-credentials tokens that open one door.

Notifications reads contact details from enrollment with a token it gets from the identity
provider for its own client: role contact_reader, enrollment's audience, minutes of life.
That token reads a contact and nothing else, and no other service accepts it.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from dev_issuer import Client
from joserfc.jwk import ECKey, RSAKey
from pydantic import SecretStr

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from samla_shared.security.client_credentials import (JWT_BEARER_ASSERTION, AssertionSigner, ClientCredentials,
                                                       CredentialsUnavailable, client_credentials)


async def test_the_notifications_client_token_reads_contacts_and_nothing_else(service, dev_issuer, caller):
    credentials = ClientCredentials(issuer=dev_issuer.url, client_id="samla-notifications",
                                    client_secret=SecretStr("dev-notifications-secret"), audience="samla-enrollment")
    token = await credentials.token()
    await credentials.close()
    async with service(create_enrollment, EnrollmentSettings, run_consumers=False) as enrollment:
        programme = await enrollment.post("/programmes", json={
            "code": "LFT", "title": "Lederforum", "network_id": "net-helse-vest", "requires_manager_approval": False})
        assert programme.status_code == 201, programme.text
        as_notifications = caller(enrollment, token=token)
        # A person nobody knows: the contact endpoint answers (404), it does not refuse the caller.
        contact = await as_notifications.get("/people/person-nobody/contact")
        assert contact.status_code == 404
        assert (await as_notifications.get("/programmes")).status_code == 403
        assert (await as_notifications.get(f"/programmes/{programme.json()['id']}")).status_code == 403
        assert (await as_notifications.get("/people/person-nobody/data")).status_code == 403
        assert (await as_notifications.post("/programmes", json={})).status_code == 403
    async with service(create_sessions, SessionsSettings, run_consumers=False) as sessions:
        refused = await caller(sessions, token=token).get("/cohorts/cohort-1/roster")
        assert refused.status_code == 401
        assert "aud" in refused.json()["detail"]


async def test_a_client_registered_with_a_public_key_proves_itself_with_signed_assertions(service, dev_issuer, caller):
    # private_key_jwt (RFC 7523), as HelseID requires: the provider holds only the public key.
    key = ECKey.generate_key("P-256", private=True)
    client_id = f"samla-hr-{uuid.uuid4().hex[:6]}"
    dev_issuer.clients[client_id] = Client(secret=None, roles=("contact_reader",), audiences=("samla-enrollment",),
                                           public_key={**key.as_dict(private=False), "kid": "hr-1"})
    credentials = ClientCredentials(issuer=dev_issuer.url, client_id=client_id, audience="samla-enrollment",
                                    private_key=SecretStr(key.as_pem(private=True).decode()), key_id="hr-1")
    token = await credentials.token()
    await credentials.close()
    async with service(create_enrollment, EnrollmentSettings, run_consumers=False) as enrollment:
        as_client = caller(enrollment, token=token)
        assert (await as_client.get("/people/person-nobody/contact")).status_code == 404
        assert (await as_client.get("/programmes")).status_code == 403

    # Another key under the same client id gets nothing, and the client's secret-less registration
    # takes no secret either.
    stranger = ClientCredentials(issuer=dev_issuer.url, client_id=client_id, audience="samla-enrollment",
                                 private_key=SecretStr(ECKey.generate_key("P-256", private=True)
                                                       .as_pem(private=True).decode()), key_id="hr-1")
    guesser = ClientCredentials(issuer=dev_issuer.url, client_id=client_id, audience="samla-enrollment",
                                client_secret=SecretStr(""))
    for refused in (stranger, guesser):
        with pytest.raises(CredentialsUnavailable):
            await refused.token()
        await refused.close()

    # An assertion is good once: a copy sent again (a replay) is refused.
    assertion = AssertionSigner(client_id, SecretStr(key.as_pem(private=True).decode()), "hr-1").assertion(
        f"{dev_issuer.url}/token")
    form = {"grant_type": "client_credentials", "client_id": client_id, "audience": "samla-enrollment",
            "client_assertion_type": JWT_BEARER_ASSERTION, "client_assertion": assertion}
    async with httpx.AsyncClient() as http:
        first = await http.post(f"{dev_issuer.url}/token", data=form)
        again = await http.post(f"{dev_issuer.url}/token", data=form)
    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")


def test_production_takes_a_client_key_in_place_of_the_development_secret():
    key = RSAKey.generate_key(2048, private=True).as_pem(private=True).decode()
    production = {"environment": "production", "deployment": "vest", "mongo_database": "samla_sessions",
                  "auth_issuer": "https://helseid-sts.nhn.no", "auth_jwks_url": "https://helseid-sts.nhn.no/jwks",
                  "kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "sessions",
                  "kafka_sasl_password": "s3cret", "mongo_url": "mongodb://sessions:s3cret@db.example.no:27017/?tls=true"}
    with pytest.raises(ValueError, match="development issuer's"):
        SessionsSettings(**production)
    settings = SessionsSettings(**production, enrollment_client_key=key, enrollment_client_key_id="samla-sessions-1")
    credentials = client_credentials(settings, settings.enrollment_audience)
    assert credentials._signer is not None and credentials._signer.key_id == "samla-sessions-1"
