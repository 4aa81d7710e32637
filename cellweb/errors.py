"""Domain errors raised by services and mapped to HTTP answers by the API layer."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that cannot be carried out; the message is shown to the user as is."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status_code = 400


class NotAllowed(DomainError):
    status_code = 403


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    """A stale write or a lost race: the caller gets the current state to look at."""

    status_code = 409

    def __init__(self, message: str, *, current: Any = None):
        super().__init__(message)
        self.current = current


class PayloadTooLarge(DomainError):
    status_code = 413
