"""Services call each other with short-lived client-credentials tokens that open one door.

Notifications reads contact details from enrollment with a token it gets from the identity
provider for its own client: role contact_reader, enrollment's audience, minutes of life.
That token reads a contact and nothing else, and no other service accepts it.
"""

from __future__ import annotations

from pydantic import SecretStr

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from samla_shared.security.client_credentials import ClientCredentials


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
