"""Endpoints that answer a PNG image or a file rather than JSON: their errors still come back as
JSON, and their schema gives the answer's media type."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from cellweb.api import FirstRendererNegotiation


# An <img> asks for image/* and a download for anything; the answer is a Django response, and
# the one renderer is for the errors. (A comment: the schema would give a docstring as the
# description of the subclasses' operations.)
class BinaryApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation


def binary_answer(media_type: str, description: str = "") -> dict:
    """The documented 200 of an endpoint whose answer is ``media_type`` bytes."""
    return {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


def png_response(png: bytes, *, model_version: int | None = None, **cache) -> HttpResponse:
    """``png`` as a private answer, cached as ``cache`` says (``patch_cache_control``'s
    options); ``model_version``: the id in its ``X-Model-Version`` header."""
    response = HttpResponse(png, content_type="image/png")
    if model_version is not None:
        response["X-Model-Version"] = str(model_version)
    patch_cache_control(response, private=True, **cache)
    return response
