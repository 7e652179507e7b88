"""Why a notifications request was refused. The HTTP layer maps each to a status code."""


class NotificationsError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the caller."""


class NotFound(NotificationsError):
    """An unknown id (404)."""


class Conflict(NotificationsError):
    """The request is valid but the current state does not allow it (409)."""


class RuleViolation(NotificationsError):
    """The request breaks a rule, e.g. opting out of a mandatory message (422)."""
