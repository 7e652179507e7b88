"""Enrollment: where people enter a programme."""
