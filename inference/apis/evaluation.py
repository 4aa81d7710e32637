"""REST endpoints of evaluation: launch, follow, cancel and read evaluations, their per-section
results and overlay layers; derive and correct fluorescence ground truth."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.imaging.errors import MaskError
from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, GroundTruthSource, Role, Section
from annotations.permissions import get_project, get_section
from annotations.selectors.review import ground_truth_public
from cellweb.errors import InvalidInput
from inference.models import EvaluationMethod, EvaluationSetKind, SectionResult
from inference.selectors import evaluation as selectors
from inference.services import evaluation as services
from inference.services import fluorescence_gt as fl_services
from inference.services.reports import LAYER_COLOURS, layer_png

MAX_DB_ID = 2**62
MAX_MASK_B64_CHARS = 24 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Input


class SetParamsInput(serializers.Serializer):
    lab = serializers.CharField(
        required=False, max_length=100, help_text="cross_lab (and optional filter)."
    )
    tag = serializers.CharField(required=False, max_length=64, help_text="tag sets.")
    specimen_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_ID),
        required=False,
        max_length=10_000,
        help_text="specimens sets.",
    )
    include_training = serializers.BooleanField(
        required=False, help_text="Also score specimens the model was trained on."
    )


class EvaluationLaunchInput(serializers.Serializer):
    model_version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DB_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="None: baselines only (edge-based and Otsu).",
    )
    set_kind = serializers.ChoiceField(choices=EvaluationSetKind.choices)
    set_params = SetParamsInput(required=False, default=dict)
    gt_source = serializers.ChoiceField(
        choices=GroundTruthSource.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: fluorescence for cross_modality, the training source for "
        "cross_validation, consensus otherwise.",
    )
    threshold = serializers.FloatField(
        required=False, default=0.5, min_value=0.001, max_value=0.999
    )


class ListQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


class SectionsQuery(ListQuery):
    method = serializers.ChoiceField(choices=EvaluationMethod.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=list(selectors.ORDERINGS), required=False, default="dice"
    )


class FluorescenceParamsInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=["otsu", "fixed"], default="otsu")
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=-1e12,
        max_value=1e12,
        help_text="Threshold on the smoothed stain for method=fixed.",
    )
    scope = serializers.ChoiceField(choices=["section", "volume"], default="volume")
    smoothing_sigma = serializers.FloatField(default=1.0, min_value=0.0, max_value=50.0)
    fill_holes = serializers.BooleanField(default=True)
    min_size = serializers.IntegerField(default=64, min_value=0, max_value=10_000_000)
    remove_border = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if attrs["method"] == "fixed" and attrs.get("value") is None:
            raise serializers.ValidationError({"value": "A fixed threshold needs a value."})
        return attrs


class FluorescenceCreateInput(FluorescenceParamsInput):
    specimen_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_ID),
        required=False,
        allow_null=True,
        default=None,
        max_length=10_000,
        help_text="Only these specimens (default: every specimen with a paired stain).",
    )
    volume_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_ID),
        required=False,
        allow_null=True,
        default=None,
        max_length=10_000,
    )
    channel = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32, help_text="e.g. DAPI"
    )

    def params(self):
        data = {
            k: self.validated_data[k]
            for k in FluorescenceParamsInput._declared_fields
            if k in self.validated_data
        }
        return fl_services.fluorescence_gt_params(data)


class FluorescenceEditInput(serializers.Serializer):
    """What the review module posts to confirm (``consensus_id`` is the ground-truth row the
    page showed; ``mask_png`` the edited mask)."""

    consensus_id = serializers.IntegerField(
        min_value=1, max_value=MAX_DB_ID, allow_null=True, required=False
    )
    mask_png = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=MAX_MASK_B64_CHARS
    )
    edited = serializers.BooleanField(required=False, default=False)
    base_version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1
    )


# ---------------------------------------------------------------------------------------------
# Output


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EvaluationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.CharField()
    finished_at = serializers.CharField(allow_null=True)
    created_by = serializers.CharField(allow_null=True)
    model_version = serializers.IntegerField(allow_null=True)
    model_name = serializers.CharField(allow_null=True)
    set_kind = serializers.CharField()
    set_label = serializers.CharField()
    set_params = serializers.JSONField()
    gt_source = serializers.CharField()
    threshold = serializers.FloatField()
    sections = serializers.IntegerField()
    progress = serializers.FloatField()
    dice = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class EvaluationListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = EvaluationSummarySerializer(many=True)


class EvaluationUnitSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.CharField()
    batch = serializers.IntegerField(allow_null=True, help_text="Sections segmented.")
    batches = serializers.IntegerField(allow_null=True, help_text="Sections to segment.")
    eta_s = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class EvaluationDetailSerializer(EvaluationSummarySerializer):
    project = serializers.CharField()
    started_at = serializers.CharField(allow_null=True)
    heartbeat_at = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_blank=True)
    cancel_requested = serializers.BooleanField()
    config = serializers.JSONField()
    plan = serializers.JSONField(
        help_text="units (fold, model_version, specimens, volumes), baselines, as_of, ..."
    )
    folds = EvaluationUnitSerializer(many=True)
    summary = serializers.JSONField(
        allow_null=True,
        help_text='{"metrics": {"dice": {"mean", "std", "per_fold"?}, ...}} of the model (or the '
        "edge-based method in a baselines-only run)",
    )
    report_url = serializers.CharField(allow_null=True)
    csv_url = serializers.CharField()
    seq = serializers.IntegerField()


class SectionResultSerializer(serializers.Serializer):
    section = serializers.IntegerField()
    specimen = serializers.CharField()
    specimen_id = serializers.IntegerField()
    lab = serializers.CharField(allow_blank=True)
    volume = serializers.IntegerField()
    time_index = serializers.IntegerField()
    z = serializers.IntegerField()
    method = serializers.CharField()
    fold = serializers.IntegerField()
    ground_truth = serializers.IntegerField(allow_null=True)
    fluorescence_section = serializers.IntegerField(allow_null=True)
    gt_pixels = serializers.IntegerField()
    pred_pixels = serializers.IntegerField()
    dice = serializers.FloatField()
    jaccard = serializers.FloatField()
    f05 = serializers.FloatField()
    precision = serializers.FloatField()
    recall = serializers.FloatField()
    auc_pr = serializers.FloatField(allow_null=True)


class SectionResultListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SectionResultSerializer(many=True)


class FluorescenceCreateOutput(serializers.Serializer):
    created = serializers.IntegerField(help_text="Ground-truth versions created (one per section).")
    volumes = serializers.IntegerField()
    params = serializers.JSONField()


class GroundTruthOutput(serializers.Serializer):
    version = serializers.IntegerField()
    mask_png = serializers.CharField(allow_null=True)
    reviewer = serializers.CharField(allow_null=True)
    confirmed_at = serializers.CharField()
    edited = serializers.BooleanField()
    method = serializers.CharField(allow_blank=True)
    params = serializers.JSONField()


_ERRORS = {
    400: OpenApiResponse(DetailSerializer, description="Invalid request."),
    403: OpenApiResponse(DetailSerializer, description="Lacks the role."),
    404: OpenApiResponse(DetailSerializer, description="No such object (or not visible to you)."),
}


# ---------------------------------------------------------------------------------------------
# Evaluations


class ProjectEvaluationsApi(APIView):
    @extend_schema(
        operation_id="evaluations_list",
        summary="Evaluations of a project, newest first",
        parameters=[ListQuery],
        responses={200: EvaluationListSerializer, **_ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = ListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        count, rows = selectors.evaluation_list_rows(
            project, limit=query.validated_data["limit"], offset=query.validated_data["offset"]
        )
        return Response(EvaluationListSerializer({"count": count, "results": rows}).data)

    @extend_schema(
        operation_id="evaluations_launch",
        summary="Launch an evaluation (managers)",
        description=(
            "A model version (or none: baselines only) × a specimen set × a ground-truth source. "
            "The set is checked against the data first: an empty set or a set without ground "
            "truth is a 400, a model version of another project a 404. The edge-based and Otsu "
            "baselines always run beside the model."
        ),
        request=EvaluationLaunchInput,
        responses={201: EvaluationDetailSerializer, **_ERRORS},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = EvaluationLaunchInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        evaluation = services.evaluation_launch(
            project=project,
            user=request.user,
            model_version_id=data["model_version"],
            set_kind=data["set_kind"],
            set_params=dict(data.get("set_params") or {}),
            gt_source=data.get("gt_source"),
            threshold=data["threshold"],
        )
        return Response(
            EvaluationDetailSerializer(selectors.evaluation_snapshot(evaluation)).data,
            status=status.HTTP_201_CREATED,
        )


class EvaluationDetailApi(APIView):
    @extend_schema(
        operation_id="evaluation_get",
        summary="An evaluation: status, progress, plan and summary (the live page's snapshot)",
        responses={200: EvaluationDetailSerializer, **_ERRORS},
    )
    def get(self, request, evaluation_id: int):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        services.evaluation_mark_stale(evaluation)
        return Response(EvaluationDetailSerializer(selectors.evaluation_snapshot(evaluation)).data)


class EvaluationCancelApi(APIView):
    @extend_schema(
        operation_id="evaluation_cancel",
        summary="Cancel an evaluation (a running one stops after its current sections)",
        request=None,
        responses={
            200: EvaluationDetailSerializer,
            409: OpenApiResponse(DetailSerializer, description="It has already ended."),
            **_ERRORS,
        },
    )
    def post(self, request, evaluation_id: int):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        evaluation = services.evaluation_cancel(evaluation=evaluation, user=request.user)
        return Response(EvaluationDetailSerializer(selectors.evaluation_snapshot(evaluation)).data)


class EvaluationSectionsApi(APIView):
    @extend_schema(
        operation_id="evaluation_sections",
        summary="Per-section results (worst Dice first by default)",
        parameters=[SectionsQuery],
        responses={200: SectionResultListSerializer, **_ERRORS},
    )
    def get(self, request, evaluation_id: int):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        query = SectionsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        count, rows = selectors.section_results(
            evaluation=evaluation,
            method=data.get("method"),
            ordering=data["ordering"],
            limit=data["limit"],
            offset=data["offset"],
        )
        return Response(SectionResultListSerializer({"count": count, "results": rows}).data)


class _ImageNegotiation(BaseContentNegotiation):
    """An <img> asks for image/*; errors still come back as JSON rather than 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EvaluationLayerApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _ImageNegotiation

    @extend_schema(
        operation_id="evaluation_section_layer",
        summary="A transparent contour layer of one scored section (PNG, the section's size)",
        description="gt: ground truth (red); pred: the model, or Otsu without a model (yellow); "
        "edge: the edge-based baseline (cyan). Rendered from the stored masks.",
        parameters=[
            OpenApiParameter(
                "layer", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(LAYER_COLOURS)
            )
        ],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            **_ERRORS,
        },
    )
    def get(self, request, evaluation_id: int, section_id: int, layer: str):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        if layer not in LAYER_COLOURS:
            raise Http404("Unknown layer; use gt, pred or edge.")
        section = Section.objects.select_related("volume").filter(pk=section_id).first()
        if (
            section is None
            or not SectionResult.objects.filter(evaluation=evaluation, section=section).exists()
        ):
            raise Http404("This section was not scored in this evaluation.")
        response = HttpResponse(
            layer_png(evaluation=evaluation, section=section, layer=layer),
            content_type="image/png",
        )
        patch_cache_control(response, private=True, max_age=3600)
        return response


# ---------------------------------------------------------------------------------------------
# Fluorescence ground truth


def _decode_b64_mask(text: str, shape: tuple[int, int]):
    text = (text or "").strip()
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


class ProjectFluorescenceGTApi(APIView):
    @extend_schema(
        operation_id="fluorescence_gt_create",
        summary="Derive ground truth from the paired nuclear stain (reviewers and managers)",
        description=(
            "Thresholds the fluorescence stack paired with each label-free volume (Otsu per "
            "section by default, or per volume, or a fixed value; optional smoothing; hole "
            "filling; small and border objects removed) and stores one new fluorescence "
            "ground-truth version per label-free section, with every parameter and the "
            "threshold used."
        ),
        request=FluorescenceCreateInput,
        responses={201: FluorescenceCreateOutput, **_ERRORS},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.REVIEWER, Role.MANAGER)
        body = FluorescenceCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        params = body.params()
        pairs = fl_services.fluorescence_pairs(
            project=project,
            specimens=data.get("specimen_ids"),
            volumes=data.get("volume_ids"),
            channel=data.get("channel") or None,
        )
        created = fl_services.fluorescence_gt_create(
            project=project,
            user=request.user,
            params=params,
            specimens=data.get("specimen_ids"),
            volumes=data.get("volume_ids"),
            channel=data.get("channel") or None,
        )
        payload = {"created": created, "volumes": len(pairs), "params": params.to_dict()}
        return Response(FluorescenceCreateOutput(payload).data, status=status.HTTP_201_CREATED)


def _truth_payload(truth: GroundTruth) -> dict:
    return {
        **ground_truth_public(truth),
        "edited": truth.edited,
        "method": truth.method,
        "params": truth.params,
    }


class SectionFluorescenceGTApi(APIView):
    @extend_schema(
        operation_id="section_fluorescence_gt",
        summary="The current fluorescence ground truth of a label-free section",
        responses={200: GroundTruthOutput, **_ERRORS},
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        truth = (
            GroundTruth.objects.filter(
                section=section, source=GroundTruthSource.FLUORESCENCE, is_current=True
            )
            .select_related("reviewer")
            .first()
        )
        if truth is None:
            raise Http404("This section has no fluorescence ground truth.")
        return Response(GroundTruthOutput(_truth_payload(truth)).data)


class SectionFluorescenceGTConfirmApi(APIView):
    @extend_schema(
        operation_id="section_fluorescence_gt_confirm",
        summary="Store a reviewer's correction of the fluorescence mask as the next version",
        request=FluorescenceEditInput,
        responses={
            200: GroundTruthOutput,
            409: OpenApiResponse(DetailSerializer, description="A newer version exists."),
            **_ERRORS,
        },
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.REVIEWER)
        body = FluorescenceEditInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not data.get("mask_png"):
            raise InvalidInput("Send the mask to store: mask_png.")
        mask = _decode_b64_mask(data["mask_png"], section.shape)
        truth = fl_services.fluorescence_gt_edit(
            section=section, user=request.user, mask=mask, base_version=data.get("base_version")
        )
        return Response(GroundTruthOutput(_truth_payload(truth)).data)
