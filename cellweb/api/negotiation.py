"""Content negotiation for endpoints that answer images or files."""

from __future__ import annotations

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
