"""OpenTelemetry set-up shared by every service: one call, `setup_telemetry`."""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

log = logging.getLogger("samla.telemetry")

_exporting_to: set[str] = set()


def setup_telemetry(service_name: str, otlp_endpoint: str | None) -> TracerProvider:
    """Install (once per process) a tracer provider, instrument PyMongo, export to OTLP if configured.

    Without an endpoint spans are still created (so trace context propagates through
    Kafka headers) but nothing is exported and nothing fails. PyMongo is instrumented
    before any client exists, as its instrumentation requires.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        trace.set_tracer_provider(provider)
    if otlp_endpoint and otlp_endpoint not in _exporting_to:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=5)))
        _exporting_to.add(otlp_endpoint)
        log.info("exporting traces to %s", endpoint)
    instrumentor = PymongoInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)
    return provider
