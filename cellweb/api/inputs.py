"""Validating request data, and the error answers an endpoint documents."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API (``cellweb.api.handler``)."""

    detail = serializers.CharField(help_text="One readable sentence saying what to change.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On invalid input: each offending field (dotted when nested, "
        "`non_field_errors` for the request as a whole) with its messages.",
    )


class ConflictSerializer(ErrorSerializer):
    """A 409: the request is valid, but the current state refuses it."""

    code = serializers.CharField(
        help_text="Which state refuses the request, in a word a client can branch on."
    )
    current = serializers.JSONField(
        required=False, help_text="The current state to look at (a stale write's winner)."
    )


_DESCRIPTIONS = {
    400: "Invalid input; `detail` says what to change and `errors` which field.",
    403: "A member without the needed role.",
    404: "No such object, or not a member of its project (or not visible to you).",
    409: "The request is valid, but the current state refuses it; `code` says which state and "
    "`detail` what to do.",
    405: "The endpoint does not take this method.",
    406: "The Accept header names no media type the endpoint answers.",
    413: "The request body is over the size limit.",
    415: "The request body is not in a media type the endpoint takes.",
}


class RefusesUnknownFields:
    """A serializer mixin: a field name it does not know is a 400 naming it, and the schema
    says ``additionalProperties: false`` (``cellweb.api.schema``)."""

    refuses_unknown_fields = True
    unknown_field_message = "This is not a field of this request."

    def validate(self, attrs):
        attrs = super().validate(attrs)
        data = self.initial_data
        unknown = set(data) - set(self.fields) if hasattr(data, "keys") else set()
        if unknown:
            raise serializers.ValidationError(
                {name: [self.unknown_field_message] for name in sorted(unknown)}
            )
        return attrs


def error_responses(*codes: int, descriptions: Mapping[int, str] | None = None) -> dict:
    """OpenAPI answers for ``codes``, for ``extend_schema(responses={..., **error_responses(...)})``."""
    texts = {**_DESCRIPTIONS, **(descriptions or {})}
    return {
        code: OpenApiResponse(
            ConflictSerializer if code == 409 else ErrorSerializer, description=texts[code]
        )
        for code in codes
    }


def conflict_list(catalogue: Mapping[str, str], *codes: str) -> str:
    """The ``codes`` with their meanings from ``catalogue``, a Markdown list for a description."""
    return "\n".join(f"- `{code}`: {catalogue[code]}" for code in codes)


def conflict_responses(catalogue: Mapping[str, str], *codes: str) -> dict:
    """The documented 409 of an operation: the ``codes`` it can answer with, each with its
    meaning from the app's ``catalogue`` (``annotations.conflicts``, ``inference.conflicts``).

    The schema lists the codes as an enum, so a client (and the schema check in the suite) knows
    every state that can refuse the request.
    """
    lines = conflict_list(catalogue, *codes)
    schema = {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "What to do, in one sentence."},
            "code": {"type": "string", "enum": list(codes)},
            "current": {"description": "The current state to look at, where useful."},
        },
        "required": ["detail", "code"],
    }
    return {409: OpenApiResponse(schema, description=f"{_DESCRIPTIONS[409]}\n\n{lines}")}


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
    """``data`` validated by ``serializer_class``; a 400 otherwise, in the API's one error shape
    (``detail`` and, per field, ``errors``). ``flat`` is kept for callers that asked for the
    readable sentence, which every answer now has.
    """
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
