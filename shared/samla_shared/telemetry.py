"""OpenTelemetry set-up shared by every service: one call, `setup_telemetry`."""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, Decision, ParentBased, Sampler, SamplingResult

log = logging.getLogger("samla.telemetry")

_exporting_to: set[str] = set()


class SkipLoneDatabaseCalls(Sampler):
    """Root sampler: record every trace except one that would be a lone outgoing call.

    The outbox relay polls its collections twice a second and the metrics loop reads them
    every ten; traced, each poll is a one-span trace that buries the requests and events
    in the trace viewer (and evicts them from Jaeger's in-memory store). A database call
    that belongs to a request, an event or a relay round that publishes has a parent and
    is kept. PyMongo's instrumentation sets its attributes only after the span started, so
    the rule looks at what is known when sampling: a client call (PyMongo's spans are
    CLIENT spans) with no parent.
    """

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None,
                      trace_state=None) -> SamplingResult:
        if kind == SpanKind.CLIENT:  # only reached for root spans (ParentBased decides the rest)
            return SamplingResult(Decision.DROP)
        return ALWAYS_ON.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "SkipLoneDatabaseCalls"


def setup_telemetry(service_name: str, otlp_endpoint: str | None) -> TracerProvider:
    """Install (once per process) a tracer provider, instrument PyMongo, export to OTLP if configured.

    Without an endpoint spans are still created (so trace context propagates through
    Kafka headers) but nothing is exported and nothing fails. PyMongo is instrumented
    before any client exists, as its instrumentation requires.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                                  sampler=ParentBased(root=SkipLoneDatabaseCalls()))
        trace.set_tracer_provider(provider)
    if otlp_endpoint and otlp_endpoint not in _exporting_to:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        # Few, large exports: each one costs an HTTP round trip and a protobuf encoding on the
        # exporter thread, which competes with the event loop for the GIL. The queue holds a
        # burst of a few thousand requests; beyond that spans are dropped, never waited for.
        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=endpoint, timeout=5),
            max_queue_size=16384, max_export_batch_size=4096, schedule_delay_millis=2000))
        _exporting_to.add(otlp_endpoint)
        log.info("exporting traces to %s", endpoint)
    instrumentor = PymongoInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    return provider
