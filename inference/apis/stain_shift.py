"""REST endpoints of a stain's shift against its label-free image: read it, have it estimated
(a suggestion, stored nowhere), and set it (reviewers), which derives the fluorescence ground
truth again. ``volume_id`` is the stain (fluorescence) volume."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from annotations.models import Role
from annotations.permissions import REVIEW_ROLES, get_volume
from cellweb.api import conflict_responses, parse
from cellweb.api.reads import ReadApi
from inference.apis.errors import ERRORS
from inference.apis.views import inference_read
from inference.conflicts import CONFLICTS
from inference.services import fluorescence_gt as fl_services

SHIFT_LIMIT = 100_000  # the real bound is a quarter of the section, checked by the service


class StainShiftInput(serializers.Serializer):
    dy = serializers.IntegerField(
        min_value=-SHIFT_LIMIT, max_value=SHIFT_LIMIT, help_text="Rows, down is positive."
    )
    dx = serializers.IntegerField(
        min_value=-SHIFT_LIMIT, max_value=SHIFT_LIMIT, help_text="Columns, right is positive."
    )
    base_version = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The shift version you saw; a newer one answers 409 stale_stain_shift.",
    )
    series = serializers.BooleanField(
        default=False, help_text="Also every other time point of this specimen's channel."
    )


class StainShiftOutput(serializers.Serializer):
    fluorescence_volume_id = serializers.IntegerField()
    label_free_volume_id = serializers.IntegerField()
    channel = serializers.CharField(allow_blank=True)
    dy = serializers.IntegerField(help_text="Where the stain moves, in label-free pixels.")
    dx = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Changes so far (0: never set).")
    max_dy = serializers.IntegerField(help_text="The largest |dy| accepted (a quarter).")
    max_dx = serializers.IntegerField()
    set_by = serializers.CharField(allow_null=True)
    set_at = serializers.CharField(allow_null=True)


class StainShiftSetOutput(StainShiftOutput):
    volumes = serializers.IntegerField(help_text="Stain volumes whose shift changed.")
    rederived = serializers.IntegerField(
        help_text="Fluorescence ground-truth versions derived again with the new shift."
    )


class EstimateQuery(serializers.Serializer):
    z = serializers.IntegerField(required=False, min_value=0, max_value=100_000)


class StainShiftEstimateOutput(serializers.Serializer):
    dy = serializers.IntegerField()
    dx = serializers.IntegerField()
    z = serializers.IntegerField(help_text="The section compared.")
    peak_ratio = serializers.FloatField(
        help_text="The correlation's peak over its next highest one (phase correlation on an RI "
        "tomogram, under 2: ambiguous; plain cross-correlation otherwise, under 1.5)."
    )
    correlation = serializers.FloatField(
        allow_null=True,
        help_text="Pearson correlation of the two images once aligned; negative: the nucleus has "
        "the opposite contrast in the two (a warning on an RI tomogram only: on phase contrast "
        "a cell is dark and its stain bright).",
    )
    reliable = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())


@inference_read(
    "stain_shift_retrieve",
    StainShiftOutput,
    summary="The shift of a stain against its label-free image",
)
class StainShiftApi(ReadApi):
    parser_classes = [JSONParser]

    def read(self, request, volume_id: int):
        stain = get_volume(request.user, volume_id)
        fl_services.stain_volume_check(stain)
        return fl_services.stain_shift_public(stain)

    @extend_schema(
        operation_id="stain_shift_update",
        summary="Set the stain's shift (reviewers); its fluorescence ground truth is derived again",
        request=StainShiftInput,
        responses={
            200: StainShiftSetOutput,
            **conflict_responses(CONFLICTS, "stale_stain_shift"),
            **ERRORS,
        },
    )
    def put(self, request, volume_id: int):
        stain = get_volume(request.user, volume_id, Role.REVIEWER)
        data = parse(StainShiftInput, request.data)
        result = fl_services.stain_shift_set(stain=stain, user=request.user, **data)
        stain.refresh_from_db()
        payload = fl_services.stain_shift_public(stain) | {
            "volumes": result.volumes,
            "rederived": result.rederived,
        }
        return Response(StainShiftSetOutput(payload).data)


@inference_read(
    "stain_shift_estimate",
    StainShiftEstimateOutput,
    summary="Suggest a shift by cross-correlation (stores nothing)",
    parameters=[
        OpenApiParameter("z", int, description="The section to compare (default: the middle one).")
    ],
)
class StainShiftEstimateApi(ReadApi):
    def read(self, request, volume_id: int):
        stain = get_volume(request.user, volume_id, *REVIEW_ROLES)
        z = parse(EstimateQuery, request.query_params).get("z")
        estimate, used = fl_services.stain_shift_estimate(stain=stain, z=z)
        return estimate.to_dict() | {"z": used}
