"""The outside world of notifications: its database, enrollment's contact directory, SMTP, HTTP, templates."""
