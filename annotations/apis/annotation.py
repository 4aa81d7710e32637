"""REST endpoints of annotating: the user's own mask, the blind listing, history, queue, export."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project, get_section
from annotations.selectors.annotation import (
    annotation_get_visible,
    annotation_progress,
    annotation_public,
    annotation_revisions,
    sent_back_to,
)
from annotations.selectors.annotation.section_list import section_annotations_public
from annotations.serializers_annotation import (
    ANNOTATION_ERRORS,
    AnnotateNextSerializer,
    AnnotationProgressSerializer,
    AnnotationPublicSerializer,
    AnnotationRevisionSerializer,
    ExportQuerySerializer,
    NextQuerySerializer,
    RevisionQuerySerializer,
    SentBackItemSerializer,
)
from annotations.services.annotation import (
    annotation_skip,
    section_offer_claim,
)
from annotations.services.export import export_masks
from cellweb.api import (
    BinaryApi,
    LimitQuerySerializer,
    parse,
)
from cellweb.api.reads import ReadApi, read_schema


def annotation_read(operation_id: str, output, **schema):
    """``read_schema`` of an annotation endpoint, with the annotation endpoints' error answers."""
    return read_schema(operation_id, output, responses=ANNOTATION_ERRORS, **schema)


@annotation_read(
    "section_annotations_list",
    AnnotationPublicSerializer,
    many=True,
    summary="The annotations of a section you may see",
    description="Annotators see only their own until the section has all its required "
    "submissions; reviewers and managers see all.",
)
class SectionAnnotationsApi(ReadApi):
    def read(self, request, section_id: int):
        section = get_section(request.user, section_id)
        return section_annotations_public(user=request.user, section=section)


@annotation_read(
    "annotation_get",
    AnnotationPublicSerializer,
    summary="One annotation (blind rule applies)",
)
class AnnotationDetailApi(ReadApi):
    def read(self, request, annotation_id: int):
        return annotation_public(
            annotation_get_visible(user=request.user, annotation_id=annotation_id)
        )


@annotation_read(
    "annotation_revisions",
    AnnotationRevisionSerializer,
    many=True,
    summary="The revision history of an annotation",
    parameters=[RevisionQuerySerializer],
)
class AnnotationRevisionsApi(ReadApi):
    def read(self, request, annotation_id: int):
        annotation = annotation_get_visible(user=request.user, annotation_id=annotation_id)
        query = parse(RevisionQuerySerializer, request.query_params, flat=True)
        return annotation_revisions(annotation=annotation, include_masks=query["include_masks"])


@annotation_read(
    "annotation_progress",
    AnnotationProgressSerializer,
    summary="Project and personal annotation progress",
)
class AnnotationProgressApi(ReadApi):
    def read(self, request, slug: str):
        return annotation_progress(user=request.user, project=get_project(request.user, slug))


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
            **ANNOTATION_ERRORS,
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


@annotation_read(
    "annotate_sent_back",
    SentBackItemSerializer,
    many=True,
    summary="Sections sent back to me, with who sent each back and why",
    description="Sections whose annotation a reviewer sent back to you and that wait for "
    "your resubmission, newest first. They also come first in your queue.",
    parameters=[LimitQuerySerializer],
)
class SentBackApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(LimitQuerySerializer, request.query_params)
        return sent_back_to(user=request.user, project=project, limit=query["limit"])


# A file answer: ?format= picks the archive's image format here, not a DRF renderer.
class ProjectExportApi(BinaryApi):
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
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **ANNOTATION_ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(ExportQuerySerializer, request.query_params, flat=True)
        archive, filename = export_masks(user=request.user, project=project, fmt=query["format"])
        return FileResponse(
            archive, as_attachment=True, filename=filename, content_type="application/zip"
        )
