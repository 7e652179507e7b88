"""Use cases of notifications: handling events, sending mail once, reminders, webhooks, preferences."""
