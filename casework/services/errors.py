"""Domain errors. The web and the API map each to a status code; the message is for people."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    """Does not exist, or the user may not know it exists."""

    status, code = 404, "not_found"


class NotPermitted(DomainError):
    """The user's role or statutory partner may not do this."""

    status, code = 403, "forbidden"


class Invalid(DomainError):
    """Bad input: unknown or missing facts, malformed or impossible dates."""

    status, code = 422, "invalid"


class TransitionNotAllowed(DomainError):
    """The event is not allowed in the case's current state."""

    status, code = 409, "not_allowed_in_state"

    def __init__(self, event: str, state: str, allowed: list[str]):
        listed = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"'{event}' is not allowed while the case is in '{state}'. Allowed now: {listed}."
        )
        self.allowed = allowed


class Refused(DomainError):
    """A guard refuses the event: the message says why."""

    status, code = 409, "refused"


class Conflict(DomainError):
    """Someone else changed the same thing at the same moment."""

    status, code = 409, "conflict"
