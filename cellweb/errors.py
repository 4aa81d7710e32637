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
    """A well-formed request that the current state refuses (409): a stale write, a lost race,
    or a project that lacks what the request needs (ground truth, an active model, enough
    annotations, a finished job). The same request succeeds once the state has changed.

    ``code`` names the state in a word a client can branch on (``no_active_model``); it is
    documented per operation in the schema and in docs/api.md. ``current`` is the state to look
    at, where the caller can use it (the newer revision, the job's status).
    """

    status_code = 409

    def __init__(self, message: str, *, code: str, current: Any = None):
        super().__init__(message)
        self.code = code
        self.current = current


class PayloadTooLarge(DomainError):
    status_code = 413
