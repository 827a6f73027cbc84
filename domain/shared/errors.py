"""Domain errors. Aggregates and use cases raise these; the interface layer maps them to
HTTP status codes in one place (``interfaces/http/errors.py``)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain and application layers raise on purpose."""

    def __init__(self, message: str, **data: object) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class Invalid(DomainError):
    """The request is malformed or breaks a rule (HTTP 400)."""


class InvalidField(Invalid):
    """A value breaks a rule (HTTP 400), said in the domain's words: ``field`` is the name the domain
    gives it (``default_branch``), ``rule`` what it must be. The interface layer words the message with
    the field's name in the API that was called (``defaultBranch must be ...``)."""

    def __init__(self, field: str, rule: str, **data: object) -> None:
        super().__init__(f"{field.replace('_', ' ')} {rule}", **data)
        self.field = field
        self.rule = rule


class Unauthenticated(DomainError):
    """No valid credentials (HTTP 401)."""


class Forbidden(DomainError):
    """Authenticated, but not allowed (HTTP 403)."""


class NotFound(DomainError):
    """The thing does not exist, or is not visible to the caller (HTTP 404)."""


class Conflict(DomainError):
    """A duplicate, or a concurrent change won the race (HTTP 409)."""


class Unprocessable(DomainError):
    """Well-formed, but the current state does not allow it (HTTP 422)."""


class TooLarge(DomainError):
    """The payload exceeds a configured limit (HTTP 413)."""


class RateLimited(DomainError):
    """Too many attempts; try again later (HTTP 429)."""

    def __init__(self, message: str, retry_after: int, **data: object) -> None:
        super().__init__(message, **data)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (the database) is down; try again later (HTTP 503)."""
