"""Validating request data, and the error answers an endpoint documents."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from cellweb.errors import InvalidInput


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer: one sentence saying what to change."""

    detail = serializers.CharField()


_DESCRIPTIONS = {
    400: "Invalid input; `detail` says what to change.",
    403: "A member without the needed role.",
    404: "No such object, or not a member of its project (or not visible to you).",
    409: "A conflict with the current state; `detail` says which.",
    413: "The upload is over the size limit.",
}


def error_responses(*codes: int, descriptions: Mapping[int, str] | None = None) -> dict:
    """OpenAPI answers for ``codes``, for ``extend_schema(responses={..., **error_responses(...)})``."""
    texts = {**_DESCRIPTIONS, **(descriptions or {})}
    return {code: OpenApiResponse(ErrorSerializer, description=texts[code]) for code in codes}


def flatten_errors(errors, prefix: str = "") -> list[str]:
    """A serializer's nested ``errors`` as readable lines, each prefixed with its field name."""
    if isinstance(errors, dict):
        out = []
        for field, value in errors.items():
            label = field if field != "non_field_errors" else ""
            out.extend(flatten_errors(value, f"{prefix}{label}: " if label else prefix))
        return out
    if isinstance(errors, list):
        return [message for item in errors for message in flatten_errors(item, prefix)]
    return [f"{prefix}{errors}"]


def parse(serializer_class, data, *, flat: bool = False) -> dict:
    """``data`` validated by ``serializer_class``; a 400 otherwise.

    ``flat``: every problem in one readable ``{"detail": "..."}`` (the annotator front end's
    contract); otherwise DRF's ``{field: [messages]}``.
    """
    serializer = serializer_class(data=data)
    if flat:
        if not serializer.is_valid():
            raise InvalidInput(" ".join(flatten_errors(serializer.errors)))
    else:
        serializer.is_valid(raise_exception=True)
    return serializer.validated_data
