"""REST endpoints of an evaluation's results: per-section numbers and their overlay layers."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cellweb.api import BinaryApi, binary_answer, parse, png_response
from cellweb.api.pagination import PageQuerySerializer, PageSerializer, page_answer
from inference.apis.errors import ERRORS
from inference.models import EvaluationMethod
from inference.reports import LAYER_COLOURS, layer_png
from inference.selectors import evaluation as selectors
from inference.selectors.scored_sections import scored_section
from inference.services.evaluation.target import chosen_class


class SectionsQuery(PageQuerySerializer):
    method = serializers.ChoiceField(choices=EvaluationMethod.choices, required=False)
    ordering = serializers.ChoiceField(
        choices=list(selectors.ORDERINGS), required=False, default="dice"
    )


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


class SectionResultListSerializer(PageSerializer):
    results = SectionResultSerializer(many=True)


class EvaluationSectionsApi(APIView):
    @extend_schema(
        operation_id="evaluation_sections",
        summary="Per-section results (worst Dice first by default)",
        parameters=[SectionsQuery],
        responses={200: SectionResultListSerializer, **ERRORS},
    )
    def get(self, request, evaluation_id: int):
        evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
        data = parse(SectionsQuery, request.query_params)
        count, rows = selectors.section_results(
            evaluation=evaluation,
            method=data.get("method"),
            ordering=data["ordering"],
            limit=data["limit"],
            offset=data["offset"],
        )
        return Response(SectionResultListSerializer(page_answer(count, rows)).data)


class EvaluationLayerApi(BinaryApi):
    @extend_schema(
        operation_id="evaluation_section_layer",
        summary="A transparent contour layer of one scored section (PNG, the section's size)",
        description="gt: ground truth (red); pred: the model, or Otsu without a model (yellow); "
        "edge: the edge-based baseline (cyan; scores the nucleus class only). Rendered from the "
        "stored masks of one class: `class` (a value the evaluation scored; default its target "
        "class). Another class value is 400.",
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
        try:
            value = chosen_class(evaluation, request.query_params.get("class"))
        except LookupError as exc:
            raise ValidationError({"class": [str(exc)]}) from None
        png = layer_png(evaluation=evaluation, section=section, layer=layer, value=value)
        return png_response(png, max_age=3600)
