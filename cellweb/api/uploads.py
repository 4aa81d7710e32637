"""Endpoints that take a file upload: multipart forms, and the answers they document."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.views import APIView

from .inputs import error_responses

FILE_TOO_LARGE = "The file is over the upload limit."


class UploadApi(APIView):
    # An endpoint whose body is a form with files (or a plain form). No docstring: a view's
    # docstring is its operation's description in the schema, and subclasses would inherit it.
    parser_classes = [MultiPartParser, FormParser]


def upload_schema(operation_id: str, form, answers: Mapping, *, too_large: str = FILE_TOO_LARGE):
    """``extend_schema`` of an upload taking ``form``: its ``answers``, and the 413 of a body
    over the upload limit (``too_large`` says what is over it)."""
    return extend_schema(
        operation_id=operation_id,
        request={"multipart/form-data": form},
        responses={**answers, **error_responses(413, descriptions={413: too_large})},
    )
