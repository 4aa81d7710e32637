"""DRF's exception handler: domain errors become clear 4xx answers with a `detail`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cellweb.errors import ConflictError, DomainError


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        body = {"detail": exc.message}
        if exc.current is not None:
            body["current"] = exc.current
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    if isinstance(exc, ValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        )
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        return Response(
            {"detail": str(exc) or "Permission denied."}, status=status.HTTP_403_FORBIDDEN
        )
    return drf_exception_handler(exc, context)
