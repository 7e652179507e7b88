"""At-least-once delivery: the transactional outbox, its relay, and idempotent, dead-lettering consumers."""
