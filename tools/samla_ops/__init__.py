"""Samla's operations CLI: `python -m samla_ops lag|backlog|dlq|rebuild` (see docs/operations.md)."""
