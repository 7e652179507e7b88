"""Topic names of contract v1: one topic per bounded context, dead letters beside each."""

ENROLLMENT_TOPIC = "samla.enrollment.v1"
SESSIONS_TOPIC = "samla.sessions.v1"
MEASURES_TOPIC = "samla.measures.v1"

CONTEXT_TOPICS = (ENROLLMENT_TOPIC, SESSIONS_TOPIC, MEASURES_TOPIC)


def dead_letter_topic(topic: str) -> str:
    """Where a message of `topic` that cannot be processed is parked, with its reason."""
    return f"{topic}.dlq"
