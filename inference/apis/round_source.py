"""REST endpoint of a round series' ground-truth source: a manager switches it, and every
switch is answered with the trail of them (docs/rounds.md, "Switching the source")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import GroundTruthSource, Role
from annotations.permissions import get_project
from cellweb.api import conflict_responses, parse
from inference.apis.errors import ERRORS
from inference.conflicts import CONFLICTS
from inference.selectors import rounds as selectors
from inference.services.rounds import round_source_switch

CONFLICT = conflict_responses(CONFLICTS, "no_round_series", "round_running")


class RoundSourceInputSerializer(serializers.Serializer):
    gt_source = serializers.ChoiceField(
        choices=GroundTruthSource.choices,
        help_text="The ground truth the next rounds train and score on.",
    )


class RoundSourceSwitchSerializer(serializers.Serializer):
    previous = serializers.CharField(help_text="The source before the switch.")
    previous_label = serializers.CharField()
    source = serializers.CharField(help_text="The source after it.")
    source_label = serializers.CharField()
    after_round = serializers.IntegerField(help_text="The last round launched before it.")
    switched_by = serializers.CharField(allow_null=True, help_text="Null once the user is gone.")
    switched_at = serializers.DateTimeField()


class RoundSourceSerializer(serializers.Serializer):
    gt_source = serializers.CharField(help_text="The source of the next rounds.")
    gt_source_label = serializers.CharField(help_text="The source in words.")
    switched = serializers.BooleanField(
        help_text="True when this request switched it; false when the series already used it "
        "(nothing recorded)."
    )
    switches = RoundSourceSwitchSerializer(many=True, help_text="Every switch, newest first.")


class RoundSourceApi(APIView):
    @extend_schema(
        operation_id="retrain_round_source_switch",
        summary="Switch the ground truth of the project's next rounds (managers)",
        description=(
            "The held-out specimens stay; a round's Dice change and the rule “activate when "
            "better” compare it with earlier rounds of the same source only. 409 "
            "no_round_series before round 1 (its launch chooses the source), round_running "
            "while a round runs."
        ),
        request=RoundSourceInputSerializer,
        responses={200: RoundSourceSerializer, **ERRORS, **CONFLICT},
    )
    def put(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = parse(RoundSourceInputSerializer, request.data)
        switch = round_source_switch(
            project=project, user=request.user, gt_source=body["gt_source"]
        )
        source = GroundTruthSource(body["gt_source"])
        answer = {
            "gt_source": source.value,
            "gt_source_label": source.label,
            "switched": switch is not None,
            "switches": selectors.round_source_switches(project),
        }
        return Response(RoundSourceSerializer(answer).data)
