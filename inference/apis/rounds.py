"""REST endpoints of retrain rounds: the project's rounds with the learning curve, launching the
next round, and the round settings. Each calls one selector or service (docs/rounds.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.api import parse
from inference.apis.errors import ERRORS, DetailSerializer
from inference.apis.views import ProjectSettingsApi, settings_schema
from inference.selectors import rounds as selectors
from inference.services.rounds import (
    MAX_ROUND_EPOCHS,
    retrain_round_launch,
    round_settings_set,
)

CONFLICT = {
    409: OpenApiResponse(
        DetailSerializer,
        description="No active model, a round still running, or too few specimens to hold out.",
    )
}


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class RoundSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    state = serializers.CharField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    gt_sections = serializers.IntegerField(
        help_text="Sections with confirmed ground truth at launch."
    )
    held_out = serializers.ListField(child=serializers.CharField())
    parent = VersionSerializer(allow_null=True)
    result = VersionSerializer(allow_null=True)
    training_job = serializers.IntegerField(allow_null=True)
    evaluation = serializers.IntegerField(allow_null=True)
    dice_nucleus = serializers.FloatField(
        allow_null=True,
        help_text="Mean Dice over the held-out sections with a nucleus (threshold 0.5).",
    )
    delta = serializers.FloatField(allow_null=True, required=False)
    activated = serializers.BooleanField()


class CurvePointSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    gt_sections = serializers.IntegerField()
    dice = serializers.FloatField()


class RoundSettingsSerializer(serializers.Serializer):
    epochs = serializers.IntegerField(min_value=1, max_value=MAX_ROUND_EPOCHS)
    activate_when_better = serializers.BooleanField()
    retrain_after_sections = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, default=0
    )


def settings_public(row) -> dict:
    """A project's round settings row as ``RoundSettingsSerializer`` answers it."""
    return {name: getattr(row, name) for name in RoundSettingsSerializer._declared_fields}


class RoundListSerializer(serializers.Serializer):
    rounds = RoundSerializer(many=True)
    learning_curve = CurvePointSerializer(many=True)
    settings = RoundSettingsSerializer()


class RoundLaunchSerializer(serializers.Serializer):
    epochs = serializers.IntegerField(
        min_value=1, max_value=MAX_ROUND_EPOCHS, required=False, allow_null=True
    )


class ProjectRoundsApi(APIView):
    @extend_schema(
        operation_id="retrain_rounds_list",
        summary="A project's retrain rounds (newest first), Dice by round and round settings",
        responses={200: RoundListSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        answer = {
            "rounds": selectors.round_list(project),
            "learning_curve": selectors.learning_curve_points(project),
            "settings": settings_public(selectors.round_settings(project)),
        }
        return Response(RoundListSerializer(answer).data)

    @extend_schema(
        operation_id="retrain_round_launch",
        summary="Launch the next round: fine-tune the active model, then score it (managers)",
        request=RoundLaunchSerializer,
        responses={201: RoundSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = parse(RoundLaunchSerializer, request.data)
        row = retrain_round_launch(project=project, user=request.user, epochs=body.get("epochs"))
        created = next(r for r in selectors.round_list(project) if r["number"] == row.number)
        return Response(RoundSerializer(created).data, status=status.HTTP_201_CREATED)


@settings_schema(
    "retrain_round_settings_set",
    RoundSettingsSerializer,
    summary="Round epochs and “activate when better on the same set” (managers)",
)
class RoundSettingsApi(ProjectSettingsApi):
    save = staticmethod(round_settings_set)

    def public(self, project, row):
        return settings_public(row)
