"""The whole journey of one enrollment, as ops follow it in the trace viewer: the HTTP request at
enrollment, the outbox relay publishing to Kafka, the sessions consumer writing the roster,
the notifications consumer asking enrollment for the contact and handing the mail to SMTP,
all one trace. Then what the same traffic shows on /metrics."""

from __future__ import annotations

import re
import uuid
from typing import Any

from opentelemetry.trace import SpanKind

from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from tests.integration.journeys import open_cohort

TOPIC = "samla.enrollment.v1"


class Trace:
    """The finished spans of one trace, with their parent links."""

    def __init__(self, spans: list[Any]) -> None:
        self.spans = spans
        self.by_id = {s.context.span_id: s for s in spans}

    def named(self, name: str) -> list[Any]:
        return [s for s in self.spans if s.name == name]

    def parent(self, span: Any) -> Any:
        return self.by_id.get(span.parent.span_id) if span.parent else None

    def ancestors(self, span: Any) -> list[Any]:
        found, current = [], self.parent(span)
        while current is not None:
            found.append(current)
            current = self.parent(current)
        return found

    def under(self, ancestor: Any, name: str | None = None, kind: SpanKind | None = None) -> list[Any]:
        return [s for s in self.spans if ancestor in self.ancestors(s)
                and (name is None or s.name == name) and (kind is None or s.kind == kind)]


async def run_journey(service, served, mailbox, webhook_receiver, wait_until) -> dict[str, Any]:
    """Enrollment (served over real HTTP for the contact look-up), sessions and notifications on the
    real stack; one person applies; returns once the roster lists them and their mail arrived."""
    apps: dict[str, Any] = {}

    def enrollment_app(settings: EnrollmentSettings) -> Any:
        apps["enrollment"] = create_enrollment(settings)
        return apps["enrollment"]

    async with service(enrollment_app, EnrollmentSettings) as enrollment, served(apps["enrollment"]) as enrollment_url:
        # Started before anything is published: the consumers read from the end of the log.
        async with service(create_notifications, NotificationsSettings, smtp_port=mailbox.port,
                           enrollment_url=enrollment_url, allow_private_webhook_urls=True,
                           webhook_poll_seconds=0.1) as notifications, \
                service(create_sessions, SessionsSettings) as sessions:
            # A network of its own: the shared topic also carries other tests' and benchmarks' events.
            network_id = f"net-sor-ost-{uuid.uuid4().hex[:8]}"
            subscribed = await notifications.post("/subscriptions", json={
                "url": webhook_receiver.url, "network_id": network_id, "event_types": ["ParticipantEnrolled"]})
            assert subscribed.status_code == 201, subscribed.text
            cohort_id = await open_cohort(enrollment, network_id=network_id)
            address = f"ingrid.nilsen.{uuid.uuid4().hex[:6]}@example.no"
            applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
                "participant": {"name": "Ingrid Nilsen", "email": address, "role": "sykepleier"},
                "manager": {"name": "Per Hansen", "email": "per.hansen@example.no"},
                "organisation_id": "org-ahus", "unit_id": "unit-med-3",
            })
            assert applied.status_code == 201, applied.text
            application = applied.json()
            assert application["status"] == "enrolled"
            assert (await enrollment.get("/cohorts/no-such-cohort")).status_code == 404

            async def roster_lists_participant():
                members = (await sessions.get(f"/cohorts/{cohort_id}/roster")).json()["members"]
                return [m for m in members if m["application_id"] == application["id"]]

            # Generous waits: the consumers also work through other tests' and benchmarks' events.
            [member] = await wait_until(roster_lists_participant, timeout=180)
            assert member["participant_id"] == application["participant_id"]

            async def seat_confirmed():
                return [m for m in mailbox.to(address) if m["X-Samla-Notification"] == "enrolled"]

            [mail] = await wait_until(seat_confirmed, timeout=180)

            async def webhook_delivered():
                return [b for b in webhook_receiver.bodies if application["id"].encode() in b]

            await wait_until(webhook_delivered, timeout=180)

            async def lag_measured():  # the lag gauges are refreshed every 10 s
                text = (await notifications.get("/metrics")).text
                return 'service="notifications"' in text and 'samla_consumer_lag{' in text
            await wait_until(lag_measured, timeout=60)
            metrics = (await notifications.get("/metrics")).text
    return {"application": application, "cohort_id": cohort_id, "mail": mail, "metrics": metrics,
            "address": address}


async def test_one_trace_follows_an_enrollment_from_the_request_to_the_mail(
        service, served, mailbox, webhook_receiver, spans, wait_until):
    spans.clear()
    journey = await run_journey(service, served, mailbox, webhook_receiver, wait_until)
    assert "Ingrid Nilsen" in journey["mail"]["To"]

    finished = spans.get_finished_spans()
    [request] = [s for s in finished if s.name == "POST /cohorts/{cohort_id}/applications"
                 and s.kind == SpanKind.SERVER]

    async def smtp_span_recorded():
        return [s for s in spans.get_finished_spans()
                if s.name == "smtp send" and s.context.trace_id == request.context.trace_id]

    await wait_until(smtp_span_recorded)
    journey_trace = Trace([s for s in spans.get_finished_spans() if s.context.trace_id == request.context.trace_id])
    assert request.parent is None, "the request starts the trace"

    # Enrollment's relay publishes under the request: `<topic> create` carries the context the
    # record's headers take to consumers, `<topic> publish` is the send itself.
    creations = journey_trace.under(request, f"{TOPIC} create", SpanKind.PRODUCER)
    assert creations, "the relay did not publish under the request's trace"
    for creation in creations:
        [publish] = [s for s in journey_trace.named(f"{TOPIC} publish") if journey_trace.parent(s) is creation]
        assert publish.kind == SpanKind.PRODUCER
        assert publish.attributes["messaging.system"] == "kafka"
        assert publish.attributes["messaging.destination.name"] == TOPIC
        assert publish.attributes["messaging.operation"] == "publish"

    processes = journey_trace.named(f"{TOPIC} process")
    for process in processes:
        assert process.kind == SpanKind.CONSUMER
        assert journey_trace.parent(process) in creations, "a consumer span is not a child of a published record"
        assert process.attributes["messaging.operation"] == "process"
    database_writes = {"insert", "update", "findAndModify", "delete"}

    def mongo_writes(process: Any, database_prefix: str) -> list[Any]:
        return [s for s in journey_trace.under(process, kind=SpanKind.CLIENT)
                if str(s.attributes.get("db.name", "")).startswith(database_prefix)
                and s.name.split(".")[-1] in database_writes]

    sessions_steps = [p for p in processes if mongo_writes(p, "test_sessions_")]
    assert sessions_steps, "the roster write is not part of the trace"

    notifying = {p: journey_trace.under(p, "smtp send") for p in processes if journey_trace.under(p, "smtp send")}
    sends = {send.attributes["samla.notification.kind"]: (process, send)
             for process, found in notifying.items() for send in found}
    # ApplicationSubmitted tells the applicant it arrived; ParticipantEnrolled confirms the seat.
    assert {"application_received", "enrolled"} <= sends.keys(), "a mail is not sent under its event's consumer span"
    process, send = sends["enrolled"]
    assert send.kind == SpanKind.CLIENT
    assert send.attributes["server.port"] == mailbox.port
    assert send.attributes["network.protocol.name"] == "smtp"
    # The contact look-up at enrollment is one request for the whole consumed batch: it runs under
    # the batch's span, which links to each record's trace, and enrollment's answer continues it.
    record = journey_trace.parent(process).context
    batch_spans = [s for s in spans.get_finished_spans()
                   if any((link.context.trace_id, link.context.span_id) == (record.trace_id, record.span_id)
                          for link in s.links)]
    lookups = [s for s in spans.get_finished_spans() if s.name == "POST /people/contacts" and s.kind == SpanKind.SERVER
               and any(s.context.trace_id == batch.context.trace_id for batch in batch_spans)]
    assert lookups, "enrollment's contact answer is not in the trace of the batch that carried the record"
    assert mongo_writes(process, "test_notifications_"), "the delivery log write is not in the trace"
    # The webhook to the integrator carries on the trace of the event that caused it.
    assert journey_trace.named("webhook deliver")


async def test_the_journey_moves_every_operational_metric(service, served, mailbox, webhook_receiver, wait_until):
    journey = await run_journey(service, served, mailbox, webhook_receiver, wait_until)
    samples = parse_metrics(journey["metrics"])

    def value(name: str, **labels: str) -> float:
        matching = [v for (n, lbl), v in samples.items() if n == name and labels.items() <= dict(lbl).items()]
        assert matching, f"no {name} with {labels}"
        return sum(matching)

    route = "/cohorts/{cohort_id}/applications"
    # HTTP rate, errors and duration per route.
    assert value("samla_http_requests_total", service="enrollment", method="POST", route=route, status="201") >= 1
    assert value("samla_http_requests_total", service="enrollment", route="/cohorts/{cohort_id}", status="404") >= 1
    assert value("samla_http_request_duration_seconds_count", service="enrollment", route=route) >= 1
    assert value("samla_http_request_duration_seconds_bucket", service="enrollment", route=route, le="+Inf") >= 1
    # Consumer lag per partition, of each consumer.
    for consumer in ("sessions", "notifications"):
        partitions = {dict(lbl)["partition"] for (n, lbl) in samples
                      if n == "samla_consumer_lag" and dict(lbl)["service"] == consumer
                      and dict(lbl)["topic"] == TOPIC}
        assert partitions == {str(p) for p in range(6)}, consumer
    # The outbox: backlog, oldest entry's age, what the relay published, failed rounds.
    assert value("samla_outbox_backlog", service="enrollment") >= 0
    assert value("samla_outbox_oldest_age_seconds", service="enrollment") >= 0
    assert value("samla_outbox_published_total", service="enrollment", topic=TOPIC) >= 3
    assert value("samla_outbox_publish_failures_total", service="enrollment") >= 0
    # Dead letters, counted per consumer and topic (zero here; see test_dead_letters for one).
    assert value("samla_dlq_messages_total", service="sessions", topic=TOPIC) >= 0
    assert value("samla_dlq_messages_total", service="notifications", topic=TOPIC) >= 0
    # Events handled, and mails and webhooks sent and failed.
    assert value("samla_events_consumed_total", service="sessions", topic=TOPIC, type="ParticipantEnrolled") >= 1
    assert value("samla_notifications_total", service="notifications", channel="email", status="sent") >= 1
    assert value("samla_notifications_total", service="notifications", channel="email", status="failed") >= 0
    assert value("samla_notifications_total", service="notifications", channel="webhook", status="delivered") >= 1
    assert value("samla_notifications_total", service="notifications", channel="webhook", status="failed") >= 0

    # Every metric the Grafana dashboard charts is among those exported after this traffic.
    exported = {name for name, _ in samples}
    for metric in dashboard_metrics():
        assert metric in exported, f"the dashboard queries {metric}, which no service exports"


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for line in text.splitlines():
        if line.startswith("#") or not (match := SAMPLE.match(line)):
            continue
        name, labels, number = match.groups()
        samples[(name, tuple(sorted(LABEL.findall(labels or ""))))] = float(number)
    return samples


def dashboard_metrics() -> set[str]:
    import json
    from pathlib import Path

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "infra/grafana/samla-dashboard.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    expressions += [v["definition"] for v in dashboard.get("templating", {}).get("list", []) if v.get("definition")]
    return {m for expr in expressions for m in re.findall(r"\bsamla_[a-z0-9_]+", expr)}
