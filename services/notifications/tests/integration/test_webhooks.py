"""Webhooks on the real stack: events from Kafka POSTed to a real HTTP receiver, signed and retried."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse

from samla_notifications.adapters.webhook_client import WebhookPoster

DOCS = Path(__file__).resolve().parents[4] / "docs" / "webhooks.md"


@pytest.fixture(scope="module")
def documented_verifier():
    """The verification code from docs/webhooks.md, run as written: the documentation must be right."""
    first_example = re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)[0]
    namespace: dict = {}
    exec(compile(first_example, str(DOCS), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify_webhook"], namespace["InvalidWebhook"]


async def subscribe(notifications, receiver, network_id, event_types=("ParticipantEnrolled",)):
    response = await notifications.post("/subscriptions", json={
        "url": receiver.url, "event_types": list(event_types), "network_id": network_id})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_subscriber_receives_signed_cloud_events_that_verify_with_the_documented_code(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until,
        documented_verifier):
    verify, invalid = documented_verifier
    world = new_cohort()
    kari = people.add("Kari Nordmann")
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with start_notifications() as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        assert subscription["secret"].startswith("whsec_")
        shown_later = (await notifications.get(f"/subscriptions/{subscription['id']}")).json()
        assert "secret" not in shown_later and shown_later["status"] == "active"

        await open_cohort(world)
        event = await publish(world.enrolled(kari), traceparent=traceparent)
        [delivery] = await wait_until(lambda: _async(webhook_receiver.received))

    verify(subscription["secret"], delivery.headers, delivery.body)
    with pytest.raises(invalid):
        verify(subscription["secret"], delivery.headers, delivery.body.replace(b"direct", b"waitlist"))
    with pytest.raises(invalid):
        verify(subscription["secret"], delivery.headers, delivery.body, now=time.time() + 3600)
    assert delivery.headers["webhook-id"] == event.id
    body = json.loads(delivery.body)
    assert (body["specversion"], body["id"], body["type"], body["subject"]) == (
        "1.0", event.id, "ParticipantEnrolled", world.cohort_id)
    assert body["data"]["participant_id"] == kari and body["datacontenttype"] == "application/json"
    # The receiver continues the trace of the event: same trace id, a new parent span.
    assert delivery.headers["traceparent"].split("-")[1] == traceparent.split("-")[1]
    assert delivery.headers["traceparent"] != traceparent


async def test_a_failed_delivery_is_retried_until_the_receiver_accepts_it(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until,
        documented_verifier):
    verify, _ = documented_verifier
    world = new_cohort()
    webhook_receiver.script = [500, 503]
    async with start_notifications() as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        await open_cohort(world)
        event = await publish(world.enrolled(people.add("Kari Nordmann")))

        async def delivered():
            found = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries/{event.id}")).json()
            return found if found.get("status") == "delivered" else None

        delivery = await wait_until(delivered)
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [r.answered for r in webhook_receiver.received] == [500, 503, 200]
    assert {r.headers["webhook-id"] for r in webhook_receiver.received} == {event.id}
    for received in webhook_receiver.received:
        verify(subscription["secret"], received.headers, received.body)


async def test_a_receiver_answering_410_gone_disables_its_subscription(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until):
    world = new_cohort()
    webhook_receiver.otherwise = 410
    async with start_notifications() as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        await open_cohort(world)
        first = await publish(world.enrolled(people.add("Kari Nordmann")))

        async def disabled():
            found = (await notifications.get(f"/subscriptions/{subscription['id']}")).json()
            return found if found["status"] == "disabled" else None

        found = await wait_until(disabled)
        assert "410" in found["status_reason"]
        delivery = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries/{first.id}")).json()
        assert delivery["status"] == "failed"
        redelivery = await notifications.post(
            f"/subscriptions/{subscription['id']}/deliveries/{first.id}/redelivery")
        assert redelivery.status_code == 409
    assert len(webhook_receiver.received) == 1


async def test_a_subscription_that_keeps_failing_is_paused_and_sends_what_it_held_once_resumed(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until):
    world = new_cohort()
    webhook_receiver.otherwise = 500
    async with start_notifications(webhook_pause_after_failures=3) as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        await open_cohort(world)
        event = await publish(world.enrolled(people.add("Kari Nordmann")))

        async def paused():
            found = (await notifications.get(f"/subscriptions/{subscription['id']}")).json()
            return found if found["status"] == "paused" else None

        found = await wait_until(paused)
        assert found["consecutive_failures"] == 3
        assert "3 consecutive failed deliveries" in found["status_reason"] and "HTTP 500" in found["status_reason"]
        metrics = (await notifications.get("/metrics")).text
        assert "samla_webhook_subscriptions_paused" in metrics

        webhook_receiver.otherwise = 204
        resumed = await notifications.post(f"/subscriptions/{subscription['id']}/resumption")
        assert resumed.json()["status"] == "active"

        async def delivered():
            found = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries",
                                             params={"status": "delivered"})).json()
            return [d["id"] for d in found]

        assert await wait_until(delivered) == [event.id]


async def test_an_integrator_can_have_a_past_event_delivered_again(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until):
    world = new_cohort()
    async with start_notifications() as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        await open_cohort(world)
        event = await publish(world.enrolled(people.add("Kari Nordmann")))
        await wait_until(lambda: _async(webhook_receiver.received))

        response = await notifications.post(f"/subscriptions/{subscription['id']}/deliveries/{event.id}/redelivery")
        assert response.status_code == 202
        await wait_until(lambda: _async(len(webhook_receiver.received) == 2))
        first, again = webhook_receiver.received
        assert first.body == again.body and first.headers["webhook-id"] == again.headers["webhook-id"]
        missing = await notifications.post(f"/subscriptions/{subscription['id']}/deliveries/nope/redelivery")
        assert missing.status_code == 404


async def test_webhook_urls_must_be_http_and_public_unless_private_targets_are_allowed(start_notifications):
    async with start_notifications(allow_private_webhook_urls=False, settle=False) as notifications:
        def attempt(url: str, **fields):
            return notifications.post("/subscriptions", json={
                "url": url, "event_types": ["ParticipantEnrolled"], "network_id": "net-1", **fields})

        for url, reason in (("ftp://hr.example.org/hook", "http or https"),
                            ("http://127.0.0.1:9000/hook", "not a public address"),
                            ("https://localhost/hook", "not a public address"),
                            ("http://10.1.2.3/hook", "not a public address"),
                            ("http://[::1]/hook", "not a public address"),
                            ("https://user:pw@93.184.215.14/hook", "credentials")):
            response = await attempt(url)
            assert response.status_code == 422, url
            assert reason in response.json()["detail"], (url, response.json())
        unknown_type = await attempt("https://93.184.215.14/hook", event_types=["SomethingElse"])
        assert unknown_type.status_code == 422
        accepted = await attempt("https://93.184.215.14/hook")
        assert accepted.status_code == 201, accepted.text


async def _async(value):
    return value


async def test_a_post_connects_to_the_address_that_was_checked_not_to_a_second_dns_answer(served):
    # The receiver's name never resolves (.invalid, RFC 6761): the post can only arrive by
    # connecting to the address checked before, and the receiver still sees its own name.
    seen = []
    app = FastAPI()

    @app.post("/hooks")
    async def hook(request: Request) -> Response:
        seen.append(request.headers["host"])
        return Response(status_code=204)

    async with served(app) as url:
        port = url.rsplit(":", 1)[1]
        poster = WebhookPoster(timeout=5.0)
        try:
            outcome = await poster.post(f"http://receiver.invalid:{port}/hooks", "127.0.0.1", b"{}",
                                        {"content-type": "application/json"})
        finally:
            await poster.close()
    assert outcome.status_code == 204 and outcome.delivered
    assert seen == [f"receiver.invalid:{port}"]


async def test_integrators_see_the_receivers_status_code_never_what_it_answered(
        start_notifications, publish, people, new_cohort, open_cohort, served, wait_until):
    app = FastAPI()
    answers = ["db=postgres://admin:hunter2@10.0.0.5 traceback ...", None]

    @app.post("/hooks")
    async def hook() -> PlainTextResponse:
        text = answers.pop(0) if answers else None
        return PlainTextResponse(text, status_code=500) if text else PlainTextResponse("ok", status_code=200)

    world = new_cohort()
    async with served(app) as url, start_notifications() as notifications:
        subscription = (await notifications.post("/subscriptions", json={
            "url": f"{url}/hooks", "event_types": ["ParticipantEnrolled"], "network_id": world.network_id})).json()
        await open_cohort(world)
        event = await publish(world.enrolled(people.add("Kari Nordmann")))

        async def delivered():
            found = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries/{event.id}")).json()
            return found if found.get("status") == "delivered" else None

        delivery = await wait_until(delivered)
        listed = (await notifications.get(f"/subscriptions/{subscription['id']}/deliveries")).text
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert "hunter2" not in str(delivery) and "hunter2" not in listed
    assert delivery["attempts"][0].get("error") in (None, "HTTP 500")


async def test_signing_secrets_are_stored_encrypted_and_still_sign_deliveries(
        start_notifications, publish, people, new_cohort, open_cohort, webhook_receiver, wait_until, mongo_url,
        documented_verifier):
    import uuid

    from pymongo import AsyncMongoClient

    verify, _ = documented_verifier
    world = new_cohort()
    database = f"test_notifications_{uuid.uuid4().hex[:10]}"
    async with start_notifications(mongo_database=database) as notifications:
        subscription = await subscribe(notifications, webhook_receiver, world.network_id)
        mongo = AsyncMongoClient(mongo_url)
        try:
            stored = await mongo[database]["subscriptions"].find_one({"_id": subscription["id"]})
        finally:
            await mongo.close()
        key_material = subscription["secret"].removeprefix("whsec_")
        assert "secret" not in stored
        assert key_material not in str(stored) and subscription["secret"] not in str(stored)
        await open_cohort(world)
        await publish(world.enrolled(people.add("Kari Nordmann")))
        [delivery] = await wait_until(lambda: _async(webhook_receiver.received))
    verify(subscription["secret"], delivery.headers, delivery.body)
