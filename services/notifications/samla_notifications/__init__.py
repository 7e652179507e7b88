"""Notifications: e-mail and webhooks that keep participants, leaders and integrators on time."""
