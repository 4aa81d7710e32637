"""REST endpoints of the caller's own annotation of a section: read it, save, submit, reopen.

A save takes a binary mask, a class map or an instance map (docs/labels.md, "Drawing");
``services/annotation/labelmask.py`` checks it against the project's label set.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.apis.annotation import annotation_read
from annotations.models import Role
from annotations.permissions import get_section
from annotations.selectors.annotation import (
    annotation_mine_state,
    section_send_back,
    sent_back_to_draft,
)
from annotations.selectors.review.last_decision import section_locked_said
from annotations.serializers_annotation import ANNOTATION_ERRORS
from annotations.serializers_annotation_mine import (
    MAX_MASK_UPLOAD_BYTES,
    AnnotationConflictSerializer,
    MineReadSerializer,
    MineSaveAnswerSerializer,
    MineSaveSerializer,
    MineStateSerializer,
    MineUploadSerializer,
)
from annotations.services.annotation import (
    MAX_POLYGON_POINTS,
    MAX_POLYGONS,
    annotation_reopen,
    annotation_save,
    labels_from_payload,
)
from cellweb.api import decode_base64_png, error_responses, parse
from cellweb.api.parsers import bounded_json_parser
from cellweb.api.reads import ReadApi
from cellweb.errors import PayloadTooLarge

# One array per point and per polygon, one around them all, and room for a few in other fields.
MaskJSONParser = bounded_json_parser(
    max_arrays=MAX_POLYGON_POINTS + MAX_POLYGONS + 100,
    message=f"The polygons have more than {MAX_POLYGON_POINTS} points in all; at most "
    f"{MAX_POLYGON_POINTS} are accepted (simplify the outlines).",
)


_SAVE_ERRORS = {
    **ANNOTATION_ERRORS,
    409: OpenApiResponse(
        AnnotationConflictSerializer,
        description="Stale base revision, submitted annotation or locked section.",
    ),
    **error_responses(413, descriptions={413: "Mask too large."}),
}


def _mine_response(request, annotation, **news) -> Response:
    """The caller's annotation as it now stands, answered from what the service just stored;
    a save's answer adds ``sent_back`` (``news``)."""
    state = annotation_mine_state(
        user=request.user, section=annotation.section, annotation=annotation, lookup=False
    )
    serializer = MineSaveAnswerSerializer if news else MineStateSerializer
    return Response(serializer(state | news).data)


def _upload_bytes(upload) -> bytes:
    if upload.size > MAX_MASK_UPLOAD_BYTES:
        raise PayloadTooLarge(f"The mask file is larger than {MAX_MASK_UPLOAD_BYTES // 2**20} MB.")
    return upload.read()


def _png_field(data: dict, field: str) -> bytes | None:
    encoded = data.get(field)
    return decode_base64_png(encoded, field=field) if encoded is not None else None


@annotation_read("annotation_mine_get", MineReadSerializer, summary="My annotation of a section")
class SectionMineApi(ReadApi):
    """The caller's own annotation of a section: read it, save a draft, submit."""

    parser_classes = [MaskJSONParser, MultiPartParser, FormParser]

    def read(self, request, section_id: int):
        section = get_section(request.user, section_id)
        state = annotation_mine_state(user=request.user, section=section)
        state["sent_back"] = section_send_back(section=section, user=request.user)
        # Why a drawing kept in the browser can no longer be saved (the page offers it as a file).
        state["locked"] = section_locked_said(section)
        return state

    @extend_schema(
        operation_id="annotation_mine_save",
        summary="Save a draft or submit my annotation",
        description="Each save appends a revision. `base_revision` must be the latest revision "
        "(null before the first save); otherwise 409 with the current version and nothing is stored. "
        "The mask comes as `mask_png` (base64 PNG: binary, class map or instance map; "
        "`instances_png` beside a class map) or `polygons` in JSON, or as PNG files `mask` (and "
        "`instances`) in a multipart form. A mask that does not fit the project's label set, or "
        "that holds classes changed since its `label_set_version`, is a 400; nothing is stored. "
        "The first save after a reviewer sent the section back naming you while your annotation "
        "was a draft answers that send-back in `sent_back` (once).",
        request={
            "application/json": MineSaveSerializer,
            "multipart/form-data": MineUploadSerializer,
        },
        responses={200: MineSaveAnswerSerializer, **_SAVE_ERRORS},
    )
    def put(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.ANNOTATOR)
        if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            data = parse(MineUploadSerializer, request.data, flat=True)
            png_bytes = _upload_bytes(data["mask"])
            instances = data.get("instances")
            instances_png = _upload_bytes(instances) if instances is not None else None
            polygons, source, proposal = None, "png", None
        else:
            data = parse(MineSaveSerializer, request.data, flat=True)
            png_bytes = _png_field(data, "mask_png")
            instances_png = _png_field(data, "instances_png")
            polygons = data.get("polygons")
            source = data.get("source") or ("polygons" if polygons is not None else "canvas")
            proposal_png = _png_field(data, "proposal_png")
            proposal = (
                labels_from_payload(section=section, png_bytes=proposal_png).foreground
                if proposal_png is not None
                else None
            )
        mask = labels_from_payload(
            section=section,
            png_bytes=png_bytes,
            polygons=polygons,
            instances_png=instances_png,
            label_set_version=data.get("label_set_version"),
        )
        annotation = annotation_save(
            section=section,
            user=request.user,
            mask=mask,
            base_revision=data["base_revision"],
            time_spent_s=data["time_spent_s"],
            submit=data["action"] == "submit",
            source=source,
            editor_session=data["editor_session"],
            origin=data.get("origin"),
            origin_model_version=data.get("origin_model_version"),
            proposal_mask=proposal,
        )
        # A send-back that named this draft's author: told once, in the first save's answer.
        sent_back = sent_back_to_draft(annotation=annotation)
        return _mine_response(request, annotation, sent_back=sent_back)


class SectionMineReopenApi(APIView):
    @extend_schema(
        operation_id="annotation_mine_reopen",
        summary="Reopen my submitted annotation",
        description="Allowed until a reviewer confirms ground truth built from it.",
        request=None,
        responses={
            200: MineStateSerializer,
            **ANNOTATION_ERRORS,
            409: AnnotationConflictSerializer,
        },
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.ANNOTATOR)
        annotation = annotation_reopen(section=section, user=request.user)
        return _mine_response(request, annotation)
