"""Domain errors that views and the API turn into clear answers (409, 403) instead of 500s."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConflictError(DomainError):
    """Someone else changed the object first, or the action does not fit its current state."""

    status_code = 409


class ForbiddenError(DomainError):
    status_code = 403
