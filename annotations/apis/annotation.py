"""REST endpoints of annotating: the user's own mask, the blind listing, history, queue, export."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project, get_section
from annotations.selectors.annotation import (
    annotation_get_visible,
    annotation_mine_state,
    annotation_progress,
    annotation_public,
    annotation_revisions,
    section_send_back,
    sent_back_to,
    visible_annotations,
)
from annotations.serializers_annotation import (
    MAX_MASK_UPLOAD_BYTES,
    AnnotateNextSerializer,
    AnnotationConflictSerializer,
    AnnotationProgressSerializer,
    AnnotationPublicSerializer,
    AnnotationRevisionSerializer,
    ExportQuerySerializer,
    MineReadSerializer,
    MineSaveSerializer,
    MineStateSerializer,
    MineUploadSerializer,
    NextQuerySerializer,
    RevisionQuerySerializer,
    SentBackItemSerializer,
)
from annotations.services.annotation import (
    MAX_POLYGON_POINTS,
    MAX_POLYGONS,
    annotation_reopen,
    annotation_save,
    annotation_skip,
    mask_from_payload,
    section_offer_claim,
)
from annotations.services.export import export_masks
from cellweb.api import (
    FirstRendererNegotiation,
    LimitQuerySerializer,
    decode_base64_png,
    error_responses,
    parse,
)
from cellweb.api.parsers import bounded_json_parser
from cellweb.errors import PayloadTooLarge

# One array per point and per polygon, one around them all, and room for a few in other fields.
MaskJSONParser = bounded_json_parser(
    max_arrays=MAX_POLYGON_POINTS + MAX_POLYGONS + 100,
    message=f"The polygons have more than {MAX_POLYGON_POINTS} points in all; at most "
    f"{MAX_POLYGON_POINTS} are accepted (simplify the outlines).",
)

_ERRORS = error_responses(400, 403, 404, descriptions={400: "Malformed request or unusable mask."})
_SAVE_ERRORS = {
    **_ERRORS,
    409: OpenApiResponse(
        AnnotationConflictSerializer,
        description="Stale base revision, submitted annotation or locked section.",
    ),
    **error_responses(413, descriptions={413: "Mask too large."}),
}


def _mine_response(request, annotation) -> Response:
    """The caller's annotation as it now stands, answered from what the service just stored."""
    state = annotation_mine_state(
        user=request.user, section=annotation.section, annotation=annotation, lookup=False
    )
    return Response(MineStateSerializer(state).data)


class SectionMineApi(APIView):
    """The caller's own annotation of a section: read it, save a draft, submit."""

    parser_classes = [MaskJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="annotation_mine_get",
        summary="My annotation of a section",
        responses={200: MineReadSerializer, **_ERRORS},
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        state = annotation_mine_state(user=request.user, section=section)
        state["sent_back"] = section_send_back(section=section, user=request.user)
        return Response(MineReadSerializer(state).data)

    @extend_schema(
        operation_id="annotation_mine_save",
        summary="Save a draft or submit my annotation",
        description="Each save appends a revision. `base_revision` must be the latest revision "
        "(null before the first save); otherwise 409 with the current version and nothing is stored. "
        "The mask comes as `mask_png` (base64 PNG) or `polygons` in JSON, or as a PNG file `mask` "
        "in a multipart form.",
        request={
            "application/json": MineSaveSerializer,
            "multipart/form-data": MineUploadSerializer,
        },
        responses={200: MineStateSerializer, **_SAVE_ERRORS},
    )
    def put(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.ANNOTATOR)
        if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
            data = parse(MineUploadSerializer, request.data, flat=True)
            upload = data["mask"]
            if upload.size > MAX_MASK_UPLOAD_BYTES:
                raise PayloadTooLarge(
                    f"The mask file is larger than {MAX_MASK_UPLOAD_BYTES // 2**20} MB."
                )
            png_bytes, polygons, source = upload.read(), None, "png"
            proposal = None
        else:
            data = parse(MineSaveSerializer, request.data, flat=True)
            encoded = data.get("mask_png")
            polygons = data.get("polygons")
            png_bytes = decode_base64_png(encoded) if encoded is not None else None
            source = data.get("source") or ("polygons" if polygons is not None else "canvas")
            proposal_png = data.get("proposal_png")
            proposal = (
                mask_from_payload(section=section, png_bytes=decode_base64_png(proposal_png))
                if proposal_png is not None
                else None
            )
        mask = mask_from_payload(section=section, png_bytes=png_bytes, polygons=polygons)
        annotation = annotation_save(
            section=section,
            user=request.user,
            mask=mask,
            base_revision=data["base_revision"],
            time_spent_s=data["time_spent_s"],
            submit=data["action"] == "submit",
            source=source,
            origin=data.get("origin"),
            origin_model_version=data.get("origin_model_version"),
            proposal_mask=proposal,
        )
        return _mine_response(request, annotation)


class SectionMineReopenApi(APIView):
    @extend_schema(
        operation_id="annotation_mine_reopen",
        summary="Reopen my submitted annotation",
        description="Allowed until a reviewer confirms ground truth built from it.",
        request=None,
        responses={200: MineStateSerializer, **_ERRORS, 409: AnnotationConflictSerializer},
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.ANNOTATOR)
        annotation = annotation_reopen(section=section, user=request.user)
        return _mine_response(request, annotation)


class SectionAnnotationsApi(APIView):
    @extend_schema(
        operation_id="section_annotations_list",
        summary="The annotations of a section you may see",
        description="Annotators see only their own until the section has all its required "
        "submissions; reviewers and managers see all.",
        responses={200: AnnotationPublicSerializer(many=True), **_ERRORS},
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        annotations = visible_annotations(user=request.user, section=section).order_by(
            "annotator__username"
        )
        items = []
        for annotation in annotations:
            annotation.section = section
            items.append(annotation_public(annotation))
        return Response(AnnotationPublicSerializer(items, many=True).data)


class AnnotationDetailApi(APIView):
    @extend_schema(
        operation_id="annotation_get",
        summary="One annotation (blind rule applies)",
        responses={200: AnnotationPublicSerializer, **_ERRORS},
    )
    def get(self, request, annotation_id: int):
        annotation = annotation_get_visible(user=request.user, annotation_id=annotation_id)
        return Response(AnnotationPublicSerializer(annotation_public(annotation)).data)


class AnnotationRevisionsApi(APIView):
    @extend_schema(
        operation_id="annotation_revisions",
        summary="The revision history of an annotation",
        parameters=[RevisionQuerySerializer],
        responses={200: AnnotationRevisionSerializer(many=True), **_ERRORS},
    )
    def get(self, request, annotation_id: int):
        annotation = annotation_get_visible(user=request.user, annotation_id=annotation_id)
        query = parse(RevisionQuerySerializer, request.query_params, flat=True)
        history = annotation_revisions(annotation=annotation, include_masks=query["include_masks"])
        return Response(AnnotationRevisionSerializer(history, many=True).data)


class AnnotationProgressApi(APIView):
    @extend_schema(
        operation_id="annotation_progress",
        summary="Project and personal annotation progress",
        responses={200: AnnotationProgressSerializer, **_ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        return Response(
            AnnotationProgressSerializer(
                annotation_progress(user=request.user, project=project)
            ).data
        )


class AnnotateNextApi(APIView):
    @extend_schema(
        operation_id="annotate_next",
        summary="Hand me the next section to annotate",
        description="Sections with your draft come first, then the section you opened and have "
        "not saved (for 30 minutes), then sections never offered to you, closest to complete "
        "first and middle-out within a specimen, then sections you skipped or left unsaved. "
        "`skip` (the section on screen) is skipped: it comes back after every fresh section. "
        "204 when nothing is left.",
        request=None,
        parameters=[NextQuerySerializer],
        responses={
            200: AnnotateNextSerializer,
            204: OpenApiResponse(description="Nothing left."),
            **_ERRORS,
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.ANNOTATOR)
        query = parse(NextQuerySerializer, request.query_params, flat=True)
        skip = query.get("skip")
        if skip is not None:
            annotation_skip(project=project, user=request.user, section_id=skip)
        section = section_offer_claim(user=request.user, project=project, skip=skip)
        if section is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        url = reverse("annotate", args=[section.pk])
        return Response(AnnotateNextSerializer({"section_id": section.pk, "url": url}).data)


class SentBackApi(APIView):
    @extend_schema(
        operation_id="annotate_sent_back",
        summary="Sections sent back to me, with who sent each back and why",
        description="Sections whose annotation a reviewer sent back to you and that wait for "
        "your resubmission, newest first. They also come first in your queue.",
        parameters=[LimitQuerySerializer],
        responses={200: SentBackItemSerializer(many=True), **_ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(LimitQuerySerializer, request.query_params)
        rows = sent_back_to(user=request.user, project=project, limit=query["limit"])
        return Response(SentBackItemSerializer(rows, many=True).data)


class ProjectExportApi(APIView):
    renderer_classes = [JSONRenderer]
    # ?format= picks the archive's image format here, not a DRF renderer.
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="annotation_export",
        summary="Download the submitted masks as a zip",
        description="PNG per annotation or one multi-page TIFF per section, plus index.csv "
        "(annotator, specimen, section, z, time point, revision, submitted_at, filename, page). "
        "labels: per section an 8-bit class-map TIFF and a 16-bit instance-label TIFF (a page "
        "per annotator) and instances.csv (each instance with its class). "
        "Reviewers and managers get every annotation; annotators only their own.",
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["png", "tiff", "labels"], required=False
            ),
        ],
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **_ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(ExportQuerySerializer, request.query_params, flat=True)
        archive, filename = export_masks(user=request.user, project=project, fmt=query["format"])
        return FileResponse(
            archive, as_attachment=True, filename=filename, content_type="application/zip"
        )
