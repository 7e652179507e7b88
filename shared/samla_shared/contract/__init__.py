"""The public event contract, v1: event models, topics, keying and the CloudEvents mapping."""

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent, InvalidEvent, parse_record
from samla_shared.contract.registry import EVENT_TYPES, event_class
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC, dead_letter_topic

__all__ = [
    "EVENT_TYPES",
    "ENROLLMENT_TOPIC",
    "MEASURES_TOPIC",
    "SESSIONS_TOPIC",
    "CloudEvent",
    "IntegrationEvent",
    "InvalidEvent",
    "dead_letter_topic",
    "event_class",
    "parse_record",
]
