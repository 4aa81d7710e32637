"""Content negotiation for endpoints that answer images or files, and their answers."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView


class FirstRendererNegotiation(DefaultContentNegotiation):
    """Always the view's first renderer: an ``<img>`` asks for ``image/*`` and a download for
    anything, and ``?format=`` may be the endpoint's own parameter (an archive's image format).
    With ``renderer_classes = [JSONRenderer]`` errors still come back as JSON instead of a 406.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class BinaryApi(APIView):
    # An endpoint that answers an image or a download (a Django response), and its errors as
    # JSON. (No docstring: a view's docstring is its operation's description, which subclasses
    # would inherit.)
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
