"""The API kit every app's endpoints share.

- ``handler``: DRF's exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): domain errors
  become 4xx answers with a ``detail``.
- ``inputs``: validating request data into one clear 400, and the documented error answers.
- ``negotiation``: answering with the view's first renderer (images, downloads) whatever the
  client's ``Accept`` or ``?format=`` says, so errors still come back as JSON (``BinaryApi``).
- ``reads``: endpoints that answer a GET with what they read (``ReadApi``, ``read_schema``).
- ``uploads``: endpoints that take a multipart upload, and the 413 they document.
- ``fields``: request fields whose rules recur (optional text, an optional id).
- ``masks``: masks sent as base64 PNG text (their check as a section's mask:
  ``annotations.apis.masks``).
- ``pagination``: ``limit``/``offset`` query parameters, the page they select and its answer.
"""

from .handler import exception_handler
from .inputs import (
    ConflictSerializer,
    ErrorSerializer,
    RefusesUnknownFields,
    conflict_list,
    conflict_responses,
    error_responses,
    flatten_errors,
    parse,
)
from .masks import decode_base64_png
from .negotiation import BinaryApi, FirstRendererNegotiation, binary_answer, png_response
from .pagination import LimitQuerySerializer, PageQuerySerializer, page_of
from .schema import only

__all__ = [
    "BinaryApi",
    "ConflictSerializer",
    "ErrorSerializer",
    "FirstRendererNegotiation",
    "LimitQuerySerializer",
    "PageQuerySerializer",
    "RefusesUnknownFields",
    "binary_answer",
    "conflict_list",
    "conflict_responses",
    "decode_base64_png",
    "error_responses",
    "exception_handler",
    "flatten_errors",
    "only",
    "page_of",
    "png_response",
    "parse",
]
