"""Why an enrollment command was refused. The HTTP layer maps each to a status code."""


class EnrollmentError(Exception):
    """Base of the refusals; `str(error)` is the explanation shown to the user."""


class NotFound(EnrollmentError):
    pass


class Conflict(EnrollmentError):
    """The request is valid but the current state does not allow it (409)."""


class RuleViolation(EnrollmentError):
    """The request breaks a rule of the programme or cohort (422)."""
