"""REST endpoints of fluorescence ground truth: derive it from the paired stain, read it, and
store a reviewer's correction."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import REVIEW_ROLES, get_project, get_section
from cellweb.api import conflict_responses, only, parse
from cellweb.api.fields import NumberField
from cellweb.api.masks import decode_base64_png
from cellweb.api.reads import ReadApi
from cellweb.errors import InvalidInput
from inference.apis.errors import ERRORS, DetailSerializer
from inference.apis.fields import MAX_DB_ID, id_list
from inference.apis.views import inference_read
from inference.conflicts import CONFLICTS
from inference.ml.fluorescence import EXTENTS
from inference.selectors.fluorescence_truth import (
    fluorescence_truth_public,
    section_fluorescence_truth,
)
from inference.services import fluorescence_gt as fl_services

MAX_MASK_B64_CHARS = 24 * 1024 * 1024


class FluorescenceParamsInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=["otsu", "fixed"], default="otsu")
    value = NumberField(
        required=False,
        allow_null=True,
        default=None,
        min_value=-1e12,
        max_value=1e12,
        help_text="Threshold on the smoothed stain for method=fixed.",
    )
    scope = serializers.ChoiceField(choices=list(EXTENTS), default="volume")
    smoothing_sigma = NumberField(default=1.0, min_value=0.0, max_value=50.0)
    fill_holes = serializers.BooleanField(default=True)
    min_size = serializers.IntegerField(default=64, min_value=0, max_value=10_000_000)
    remove_border = serializers.BooleanField(default=True)
    small_objects = serializers.ChoiceField(
        choices=list(EXTENTS),
        default="volume",
        help_text="Count objects under min_size in 3D (default) or per section.",
    )
    local_fill = serializers.BooleanField(
        default=True,
        help_text="A half-maximum mask where the stain shows signal but the threshold leaves none.",
    )
    # A fixed threshold needs its value; Otsu (the default) finds its own.
    schema_rules = {
        "anyOf": [
            {"properties": {"method": only("otsu")}},
            {
                "properties": {"method": only("fixed"), "value": {"type": "number"}},
                "required": ["method", "value"],
            },
        ]
    }

    def validate(self, attrs):
        if attrs["method"] == "fixed" and attrs.get("value") is None:
            raise serializers.ValidationError({"value": "A fixed threshold needs a value."})
        return attrs


class FluorescenceCreateInput(FluorescenceParamsInput):
    specimen_ids = id_list(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only these specimens (default: every specimen with a paired stain).",
    )
    volume_ids = id_list(required=False, allow_null=True, default=None)
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
    page showed; ``mask_png`` the edited mask: a binary PNG, an 8-bit class map or a 16-bit
    instance map with its class table)."""

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


class FluorescenceCreateOutput(serializers.Serializer):
    created = serializers.IntegerField(
        help_text="Ground-truth versions created: one per section of the label-free volumes "
        "thresholded."
    )
    volumes = serializers.IntegerField(
        help_text="Label-free volumes with a paired stain that were thresholded."
    )
    params = serializers.JSONField(help_text="The parameters used, defaults filled in.")


class GroundTruthOutput(serializers.Serializer):
    version = serializers.IntegerField(
        help_text="The section's fluorescence ground-truth version (1 first); each derivation "
        "and each correction adds one."
    )
    mask_png = serializers.CharField(allow_null=True, help_text="The mask, a base64 PNG.")
    reviewer = serializers.CharField(
        allow_null=True,
        help_text="Who derived or corrected it (username); null when no user did or that user "
        "was deleted.",
    )
    confirmed_at = serializers.CharField(help_text="When it was stored (ISO 8601).")
    edited = serializers.BooleanField(
        help_text="A reviewer changed the derived mask, in this version or one it corrects."
    )
    method = serializers.CharField(allow_blank=True, help_text="The threshold: otsu or fixed.")
    params = serializers.JSONField(
        help_text="How it was derived: the parameters, threshold_used (on the smoothed stain), "
        "volume_threshold, stain_signal, quality (signal_no_mask, mask_no_signal or null), "
        "channel, fluorescence_volume_id and fluorescence_section_id; a correction adds "
        "edited_from_version."
    )


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
        responses={
            201: FluorescenceCreateOutput,
            **ERRORS,
            **conflict_responses(CONFLICTS, "no_stain"),
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, *REVIEW_ROLES)
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


@inference_read(
    "section_fluorescence_gt",
    GroundTruthOutput,
    summary="The current fluorescence ground truth of a label-free section",
)
class SectionFluorescenceGTApi(ReadApi):
    def read(self, request, section_id: int):
        return section_fluorescence_truth(get_section(request.user, section_id))


class SectionFluorescenceGTConfirmApi(APIView):
    @extend_schema(
        operation_id="section_fluorescence_gt_confirm",
        summary="Store a reviewer's correction of the fluorescence mask as the next version",
        request=FluorescenceEditInput,
        responses={
            200: GroundTruthOutput,
            409: OpenApiResponse(DetailSerializer, description="A newer version exists."),
            **ERRORS,
        },
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.REVIEWER)
        data = parse(FluorescenceEditInput, request.data)
        if not data.get("mask_png"):
            raise InvalidInput("Send the mask to store: mask_png.")
        truth = fl_services.fluorescence_gt_edit(
            section=section,
            user=request.user,
            mask_png=decode_base64_png(data["mask_png"], field="mask_png"),
            base_version=data.get("base_version"),
        )
        return Response(GroundTruthOutput(fluorescence_truth_public(truth)).data)
