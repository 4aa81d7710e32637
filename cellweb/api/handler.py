"""One error shape for the whole API, whatever raised the error.

Every 4xx and 5xx answer under ``/api/`` is ``{"detail": "...", "errors": {...}}``: ``detail``
is one readable sentence saying what to change; ``errors`` (only on invalid input) maps each
offending field, dotted for nested ones (``items.2.x``), to its messages; a conflict (409: a
valid request the current state refuses) adds its machine-readable ``code`` and, where useful,
the ``current`` state, and a request without a signed-in user (403) the code ``not_signed_in``.
DRF's exception handler covers the views; the ``handler404``-style views
below cover what never reaches a view (an id that is not a number, a body over Django's limit).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cellweb.errors import ConflictError, DomainError


def field_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested ``{field: [messages]}`` (lists, dicts, list items) as dotted field paths."""
    if isinstance(errors, dict):
        out: dict[str, list[str]] = {}
        for field, value in errors.items():
            key = f"{prefix}.{field}" if prefix else str(field)
            for name, messages in field_errors(value, key).items():
                out.setdefault(name, []).extend(messages)
        return out
    if isinstance(errors, list | tuple):
        out = {}
        for index, item in enumerate(errors):
            nested = isinstance(item, dict | list | tuple)
            key = f"{prefix}.{index}" if nested and prefix else (str(index) if nested else prefix)
            for name, messages in field_errors(item, key).items():
                out.setdefault(name, []).extend(messages)
        return out
    return {prefix or "non_field_errors": [str(errors)]}


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return body


def _sentence(errors: dict[str, list[str]]) -> str:
    lines = []
    for field, messages in errors.items():
        label = "" if field == "non_field_errors" else f"{field}: "
        lines += [f"{label}{message}" for message in messages]
    return " ".join(lines)


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        body = {**error_body(exc.message), "code": exc.code}
        if exc.current is not None:
            body["current"] = exc.current
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.message), status=exc.status_code)
    if isinstance(exc, ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        detail = _sentence(errors) if errors else " ".join(exc.messages)
        return Response(error_body(detail, errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return Response(error_body(_sentence(errors), errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response(error_body("Not found."), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response(
            error_body(str(exc) or "Permission denied."), status=status.HTTP_403_FORBIDDEN
        )
    response = drf_exception_handler(exc, context)
    if response is not None and not isinstance(response.data.get("detail"), str):
        response.data = error_body(_sentence(field_errors(response.data)))
    if response is not None and isinstance(exc, exceptions.NotAuthenticated):
        # A page left open after its session ended (signed out in another tab, expired) tells
        # this apart from a refusal and asks its user to sign in again, its edits kept.
        response.data["code"] = "not_signed_in"
    return response


# ------------------------------------------------------------------ outside the views


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _wants_json(request):
        return JsonResponse(error_body("Not found: no API endpoint has this address."), status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig):
        return _too_large(request, exception)
    if _wants_json(request):
        return JsonResponse(error_body("Bad request."), status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _wants_json(request):
        return JsonResponse(error_body(str(exception) or "Permission denied."), status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(error_body("Server error; it has been logged."), status=500)
    return defaults.server_error(request)


def _too_large(request, exception):
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
    message = (
        f"The request is too large: the limit is {limit:g} MB for requests other than file uploads."
    )
    if _wants_json(request):
        return JsonResponse(error_body(message), status=413)
    return defaults.bad_request(request, exception)
