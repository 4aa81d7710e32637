"""REST endpoints of an evaluation's results: per-section numbers and their overlay layers."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from annotations.serializers_section import SectionPlaceSerializer
from cellweb.api import BinaryApi, binary_answer, parse, png_response
from cellweb.api.pagination import PageQuerySerializer, PageSerializer, page_answer
from cellweb.api.reads import ReadApi
from inference.apis.errors import ERRORS
from inference.apis.views import inference_read
from inference.models import EvaluationMethod
from inference.reports import LAYER_COLOURS, layer_png
from inference.selectors import evaluation as selectors
from inference.selectors.scored_sections import require_layer_visible, scored_section
from inference.services.evaluation.target import chosen_class


class SectionsQuery(PageQuerySerializer):
    method = serializers.ChoiceField(choices=EvaluationMethod.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=list(selectors.ORDERINGS), required=False, default="dice"
    )


# The scores of one method's mask of the evaluation's target class against the section's ground
# truth, from the pixel counts TP, FP and FN of this section alone (``inference.ml.metrics``).
_ONE_SECTION = "of this section alone: 1 when both masks are empty, 0 when only one is."


class SectionResultSerializer(SectionPlaceSerializer):
    section = serializers.IntegerField(help_text="The section's id.")
    lab = serializers.CharField(allow_blank=True, help_text="The specimen's lab (may be blank).")
    volume = serializers.IntegerField(help_text="The id of the section's volume.")
    time_index = serializers.IntegerField(help_text="The volume's time point.")
    method = serializers.CharField(help_text="What segmented it: model, edge or otsu.")
    fold = serializers.IntegerField(help_text="The cross-validation fold that held it out, or -1.")
    ground_truth = serializers.IntegerField(
        allow_null=True, help_text="The ground-truth version scored against (null once deleted)."
    )
    fluorescence_section = serializers.IntegerField(
        allow_null=True,
        help_text="The id of the paired fluorescence section; null when the section has none.",
    )
    gt_pixels = serializers.IntegerField(help_text="Pixels of the class in the ground truth.")
    pred_pixels = serializers.IntegerField(help_text="Pixels of the class in the method's mask.")
    dice = serializers.FloatField(help_text=f"Dice, 2TP / (2TP + FP + FN), {_ONE_SECTION}")
    jaccard = serializers.FloatField(help_text=f"Jaccard, TP / (TP + FP + FN), {_ONE_SECTION}")
    f05 = serializers.FloatField(
        help_text=f"F0.5, 1.25TP / (1.25TP + 0.25FN + FP), precision weighing more, {_ONE_SECTION}"
    )
    precision = serializers.FloatField(help_text=f"Precision, TP / (TP + FP), {_ONE_SECTION}")
    recall = serializers.FloatField(help_text=f"Recall, TP / (TP + FN), {_ONE_SECTION}")
    auc_pr = serializers.FloatField(
        allow_null=True,
        help_text="Average precision (area under the precision-recall curve) of the method's "
        "per-pixel scores (the model's probability of the class, else the mask itself) against "
        "the ground truth, this section alone; null when the ground truth has no pixel of the "
        "class.",
    )


class SectionResultListSerializer(PageSerializer):
    results = SectionResultSerializer(many=True)


@inference_read(
    "evaluation_sections",
    SectionResultListSerializer,
    summary="Per-section results (worst Dice first by default)",
    parameters=[SectionsQuery],
)
class EvaluationSectionsApi(ReadApi):
    def read(self, request, evaluation_id: int):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        data = parse(SectionsQuery, request.query_params)
        count, rows = selectors.section_results(
            evaluation=evaluation,
            method=data.get("method"),
            ordering=data["ordering"],
            limit=data["limit"],
            offset=data["offset"],
        )
        return page_answer(count, rows)


class EvaluationLayerApi(BinaryApi):
    @extend_schema(
        operation_id="evaluation_section_layer",
        summary="A transparent contour layer of one scored section (PNG, the section's size)",
        description="gt: ground truth (red); pred: the model, or Otsu without a model (yellow); "
        "edge: the edge-based baseline (cyan; scores the nucleus class only). Rendered from the "
        "stored masks of one class: `class` (a value the evaluation scored; default its target "
        "class). Another class value is 400. The gt layer of a confirmed consensus is 403 to a "
        "member who annotates while the section lacks its required submissions (the blind "
        "rule).",
        parameters=[
            OpenApiParameter(
                "layer", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(LAYER_COLOURS)
            ),
            OpenApiParameter("class", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False),
        ],
        responses={**binary_answer("image/png"), **ERRORS},
    )
    def get(self, request, evaluation_id: int, section_id: int, layer: str):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        if layer not in LAYER_COLOURS:
            raise Http404("Unknown layer; use gt, pred or edge.")
        section = scored_section(evaluation=evaluation, section_id=section_id)
        require_layer_visible(
            user=request.user, evaluation=evaluation, section=section, layer=layer
        )
        try:
            value = chosen_class(evaluation, request.query_params.get("class"))
        except LookupError as exc:
            raise ValidationError({"class": [str(exc)]}) from None
        png = layer_png(evaluation=evaluation, section=section, layer=layer, value=value)
        return png_response(png, max_age=3600)
