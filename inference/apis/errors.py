"""The error answers the inference endpoints document: a ``detail`` sentence."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def detail_errors(answer: type[serializers.Serializer], invalid: str) -> dict:
    """The 400 (``invalid`` says when), 403 and 404 answers, each an ``answer`` with ``detail``."""
    return {
        400: OpenApiResponse(answer, description=invalid),
        403: OpenApiResponse(answer, description="Lacks the role."),
        404: OpenApiResponse(answer, description="No such object (or not visible to you)."),
    }


ERRORS = detail_errors(DetailSerializer, "Invalid request.")
