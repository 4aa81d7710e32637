"""REST endpoints of cross-confirmation: the review queue, agreement, consensus, review actions,
ground-truth versions, the audit trail and the project dashboard."""

from __future__ import annotations

import base64
import binascii

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, GroundTruthSource, Role
from annotations.permissions import get_project, get_section
from annotations.selectors import review as review_selectors
from annotations.services import review as review_services
from cellweb.errors import InvalidInput

MAX_DB_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1
# A 1-bit PNG of an 8192x8192 mask is far below this; base64 adds a third.
MAX_MASK_B64_CHARS = 24 * 1024 * 1024
READ_ROLES = (Role.REVIEWER, Role.MANAGER)


def _section(request, section_id: int, *roles: str):
    if section_id > MAX_DB_ID:
        raise Http404("No such section.")
    return get_section(request.user, section_id, *roles)


def _decode_b64_mask(text: str, shape: tuple[int, int]):
    text = text.strip()
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("mask_png must be a base64-encoded PNG image.") from None
    try:
        return decode_mask(data, shape)
    except MaskError as exc:
        raise InvalidInput(exc.message) from exc


# --------------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------------


class ReviewDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ReviewQueueQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50, required=False)


class ReviewQueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    specimen = serializers.CharField(source="specimen_name")
    z = serializers.IntegerField()
    agreement = serializers.FloatField(allow_null=True)
    status = serializers.CharField()
    stale = serializers.BooleanField()
    submitted_count = serializers.IntegerField()
    annotators = serializers.ListField(child=serializers.CharField())
    url = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        return f"/sections/{row['id']}/review/"


class ReviewQueueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ReviewQueueItemSerializer(many=True)


class AgreementPairSerializer(serializers.Serializer):
    a = serializers.CharField()
    b = serializers.CharField()
    dice = serializers.FloatField()
    jaccard = serializers.FloatField()


class SectionAnnotatorAgreementSerializer(serializers.Serializer):
    annotator = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    mean_dice = serializers.FloatField(allow_null=True)
    dice_consensus = serializers.FloatField(allow_null=True)
    dice_ground_truth = serializers.FloatField(allow_null=True)
    sensitivity = serializers.FloatField(allow_null=True)
    specificity = serializers.FloatField(allow_null=True)


class SectionAgreementSerializer(serializers.Serializer):
    consensus_id = serializers.IntegerField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    n = serializers.IntegerField()
    mean_dice = serializers.FloatField(allow_null=True)
    mean_jaccard = serializers.FloatField(allow_null=True)
    pairs = AgreementPairSerializer(many=True)
    annotators = SectionAnnotatorAgreementSerializer(many=True)
    staple = serializers.JSONField(allow_null=True)


class ConsensusProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="consensus_id")
    method = serializers.CharField()
    created_at = serializers.DateTimeField()
    mask_png = serializers.CharField()
    disagreement_png = serializers.CharField(allow_null=True)
    agreement = SectionAgreementSerializer()


class GroundTruthResultSerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    mask_png = serializers.CharField(allow_null=True)
    reviewer = serializers.CharField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReviewConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = GroundTruthResultSerializer()


class GroundTruthVersionDetailSerializer(GroundTruthResultSerializer):
    source = serializers.CharField()
    is_current = serializers.BooleanField()
    stale = serializers.BooleanField()
    method = serializers.CharField()
    params = serializers.JSONField()
    consensus_id = serializers.IntegerField(allow_null=True)
    input_revisions = serializers.JSONField()
    edited = serializers.BooleanField()
    edit_summary = serializers.JSONField()
    foreground_pixels = serializers.IntegerField()


class GroundTruthVersionSummarySerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()
    source = serializers.CharField()

    class Meta:
        model = GroundTruth
        fields = [
            "version",
            "source",
            "confirmed_at",
            "reviewer",
            "method",
            "edited",
            "stale",
            "is_current",
        ]

    def get_reviewer(self, truth) -> str | None:
        return truth.reviewer.get_username() if truth.reviewer_id else None


class SectionGroundTruthSerializer(serializers.Serializer):
    current = GroundTruthVersionDetailSerializer(allow_null=True)
    versions = GroundTruthVersionSummarySerializer(many=True)


class SectionGroundTruthQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, required=False)
    source = serializers.ChoiceField(
        choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS, required=False
    )


class SectionAuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    detail = serializers.JSONField()


class ReviewConfirmInputSerializer(serializers.Serializer):
    consensus_id = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID, allow_null=True)
    mask_png = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_MASK_B64_CHARS,
        trim_whitespace=True,
    )
    edited = serializers.BooleanField(required=False, default=False)
    base_version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_VERSION
    )

    def validate(self, attrs):
        if attrs.get("edited") and not attrs.get("mask_png"):
            raise serializers.ValidationError(
                {"mask_png": "An edited confirmation needs the edited mask."}
            )
        return attrs


class ReviewConfirmOutputSerializer(GroundTruthResultSerializer):
    edited = serializers.BooleanField()
    stale = serializers.BooleanField()


class ReviewSendBackInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=review_services.MAX_COMMENT_LENGTH)
    annotators = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, max_length=100
    )


class ReviewSendBackOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    annotators = serializers.ListField(child=serializers.CharField())
    submitted_count = serializers.IntegerField()


class ReviewExcludeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=review_services.MAX_COMMENT_LENGTH)


class ReviewStatusSerializer(serializers.Serializer):
    status = serializers.CharField()


class AgreementHistogramSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.FloatField())
    counts = serializers.ListField(child=serializers.IntegerField())
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)


class SpecimenAgreementDistributionSerializer(serializers.Serializer):
    specimen_id = serializers.IntegerField()
    specimen = serializers.CharField()
    distribution = AgreementHistogramSerializer()


class DashboardTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    annotated = serializers.IntegerField()
    open = serializers.IntegerField()
    review = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    sent_back = serializers.IntegerField()
    excluded = serializers.IntegerField()
    stale = serializers.IntegerField()


class DashboardAnnotatorRowSerializer(serializers.Serializer):
    username = serializers.CharField()
    annotated = serializers.IntegerField()
    drafts = serializers.IntegerField()
    review = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    sent_back = serializers.IntegerField()
    excluded = serializers.IntegerField()
    sections_in_consensus = serializers.IntegerField()
    mean_dice_others = serializers.FloatField(allow_null=True)
    sections_confirmed = serializers.IntegerField()
    mean_dice_ground_truth = serializers.FloatField(allow_null=True)
    mean_sensitivity = serializers.FloatField(allow_null=True)
    mean_specificity = serializers.FloatField(allow_null=True)


class ProjectDashboardSerializer(serializers.Serializer):
    totals = DashboardTotalsSerializer()
    annotators = DashboardAnnotatorRowSerializer(many=True)
    distribution = AgreementHistogramSerializer()
    specimens = SpecimenAgreementDistributionSerializer(many=True)


ERRORS = {
    400: OpenApiResponse(ReviewDetailSerializer, description="Invalid input"),
    403: OpenApiResponse(ReviewDetailSerializer, description="Needs the reviewer role"),
    404: OpenApiResponse(ReviewDetailSerializer, description="No such section or project"),
}


def _consensus_payload(record) -> dict:
    return {
        "consensus_id": record.pk,
        "method": record.method,
        "created_at": record.created_at,
        "mask_png": review_selectors.b64(record.mask_png),
        "disagreement_png": review_selectors.b64(record.disagreement_png),
        "agreement": review_selectors.section_agreement(record.section),
    }


# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------


class ReviewQueueApi(APIView):
    @extend_schema(
        operation_id="review_queue",
        parameters=[ReviewQueueQuerySerializer],
        responses={200: ReviewQueueSerializer, **ERRORS},
        summary="Sections waiting for review, lowest agreement first",
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug, *READ_ROLES)
        query = ReviewQueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = review_selectors.review_queue_queryset(project=project, user=request.user)
        rows = review_selectors.review_queue(
            project=project, user=request.user, limit=query.validated_data["limit"]
        )
        return Response(ReviewQueueSerializer({"count": queryset.count(), "results": rows}).data)


class DashboardApi(APIView):
    @extend_schema(
        operation_id="project_dashboard",
        responses={200: ProjectDashboardSerializer, **ERRORS},
        summary="Section counts, the annotator agreement table and agreement distributions",
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug, *READ_ROLES)
        return Response(ProjectDashboardSerializer(review_selectors.dashboard(project)).data)


class SectionAgreementApi(APIView):
    @extend_schema(
        operation_id="section_agreement",
        responses={200: SectionAgreementSerializer, **ERRORS},
        summary="Pairwise and per-annotator agreement of the section's current consensus",
    )
    def get(self, request, section_id: int):
        section = _section(request, section_id, *READ_ROLES)
        return Response(
            SectionAgreementSerializer(review_selectors.section_agreement(section)).data
        )


class SectionConsensusApi(APIView):
    @extend_schema(
        operation_id="section_consensus_recompute",
        request=None,
        responses={201: ConsensusProposalSerializer, **ERRORS},
        summary="Recompute the consensus from the latest submitted annotations",
    )
    def post(self, request, section_id: int):
        section = _section(request, section_id, *READ_ROLES)
        record = review_services.consensus_recompute(section=section, user=request.user)
        return Response(
            ConsensusProposalSerializer(_consensus_payload(record)).data,
            status=status.HTTP_201_CREATED,
        )


class SectionGroundTruthApi(APIView):
    @extend_schema(
        operation_id="section_ground_truth",
        parameters=[SectionGroundTruthQuerySerializer],
        responses={200: SectionGroundTruthSerializer, **ERRORS},
        summary="Ground-truth versions of a section; ?version=N returns that version in full",
        description="Without `version` the answer is `{current, versions}`; with it, the body is "
        "that version's detail (same shape as `current`).",
    )
    def get(self, request, section_id: int):
        section = _section(request, section_id, *READ_ROLES)
        query = SectionGroundTruthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        source = query.validated_data.get("source", GroundTruthSource.CONSENSUS)
        versions = review_selectors.ground_truth_versions(section, source=source)
        if "version" in query.validated_data:
            truth = (
                GroundTruth.objects.filter(
                    section=section, source=source, version=query.validated_data["version"]
                )
                .select_related("reviewer")
                .first()
            )
            if truth is None:
                raise Http404("No such ground-truth version.")
            return Response(
                GroundTruthVersionDetailSerializer(review_selectors.ground_truth_detail(truth)).data
            )
        current = (
            GroundTruth.objects.filter(section=section, source=source, is_current=True)
            .select_related("reviewer")
            .first()
        )
        payload = {
            "current": review_selectors.ground_truth_detail(current) if current else None,
            "versions": list(versions),
        }
        return Response(SectionGroundTruthSerializer(payload).data)


class SectionAuditApi(APIView):
    @extend_schema(
        operation_id="section_audit",
        responses={200: SectionAuditEventSerializer(many=True), **ERRORS},
        summary="Everything reviewers and the system did to the section, oldest first",
    )
    def get(self, request, section_id: int):
        section = _section(request, section_id, *READ_ROLES)
        return Response(
            SectionAuditEventSerializer(review_selectors.audit_trail(section), many=True).data
        )


class ReviewConfirmApi(APIView):
    @extend_schema(
        operation_id="review_confirm",
        request=ReviewConfirmInputSerializer,
        responses={
            200: ReviewConfirmOutputSerializer,
            409: OpenApiResponse(
                ReviewConflictSerializer, description="Someone confirmed meanwhile"
            ),
            **ERRORS,
        },
        summary="Confirm (optionally edited) consensus as the section's next ground-truth version",
    )
    def post(self, request, section_id: int):
        section = _section(request, section_id, Role.REVIEWER)
        body = ReviewConfirmInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        mask = None
        if data["edited"]:
            mask = _decode_b64_mask(data["mask_png"], section.shape)
        truth = review_services.review_confirm(
            section=section,
            reviewer=request.user,
            consensus_id=data["consensus_id"],
            mask=mask,
            edited=data["edited"],
            base_version=data["base_version"],
        )
        payload = {
            **review_selectors.ground_truth_public(truth),
            "edited": truth.edited,
            "stale": truth.stale,
        }
        return Response(ReviewConfirmOutputSerializer(payload).data)


class ReviewSendBackApi(APIView):
    @extend_schema(
        operation_id="review_send_back",
        request=ReviewSendBackInputSerializer,
        responses={200: ReviewSendBackOutputSerializer, **ERRORS},
        summary="Reopen the named annotators' annotations with a comment",
    )
    def post(self, request, section_id: int):
        section = _section(request, section_id, Role.REVIEWER)
        body = ReviewSendBackInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        names = sorted(set(body.validated_data["annotators"]))
        users = dict(
            get_user_model().objects.filter(username__in=names).values_list("username", "pk")
        )
        unknown = [name for name in names if name not in users]
        if unknown:
            raise InvalidInput(f"No annotator called {', '.join(unknown)}.")
        section = review_services.review_send_back(
            section=section,
            reviewer=request.user,
            comment=body.validated_data["comment"],
            annotator_ids=list(users.values()),
        )
        payload = {
            "status": section.status,
            "annotators": names,
            "submitted_count": section.submitted_count,
        }
        return Response(ReviewSendBackOutputSerializer(payload).data)


class ReviewExcludeApi(APIView):
    @extend_schema(
        operation_id="review_exclude",
        request=ReviewExcludeInputSerializer,
        responses={200: ReviewStatusSerializer, **ERRORS},
        summary="Exclude the section (out of focus, no nucleus in view)",
    )
    def post(self, request, section_id: int):
        section = _section(request, section_id, Role.REVIEWER)
        body = ReviewExcludeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        section = review_services.review_exclude(
            section=section, reviewer=request.user, reason=body.validated_data["reason"]
        )
        return Response(ReviewStatusSerializer({"status": section.status}).data)
