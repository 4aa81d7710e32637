"""REST endpoints of retrain rounds: the project's rounds with the learning curve, launching the
next round, and the round settings. Each calls one selector or service (docs/rounds.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.models import GroundTruthSource, Role
from annotations.permissions import get_project
from cellweb.api import conflict_responses, parse
from cellweb.api.reads import ReadApi
from inference.apis.errors import ERRORS
from inference.apis.views import ProjectSettingsApi, inference_read, settings_schema
from inference.conflicts import CONFLICTS
from inference.selectors import rounds as selectors
from inference.services.rounds import (
    MAX_ROUND_EPOCHS,
    retrain_round_launch,
    round_settings_set,
)

# The round's own refusals, then those of the training job it launches.
CONFLICT = conflict_responses(
    CONFLICTS,
    "no_active_model",
    "round_running",
    "round_source_fixed",
    "too_few_specimens",
    "parent_arch_mismatch",
    "channel_mismatch",
    "no_target_class",
)


# A round's score (``inference.services.rounds.chain``): what the activation rule compares.
DICE_NUCLEUS = (
    "The round's model on its held-out specimens: the mean of the sections' Dice (threshold "
    "0.5) over the held-out sections with a nucleus (ground truth not empty)."
)
GT_SECTIONS = (
    "Sections of the project with confirmed ground truth of the round's source at its launch, "
    "held-out ones included."
)


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The model version's id.")
    name = serializers.CharField()
    is_active = serializers.BooleanField(help_text="Used for prediction in its project now.")


# A round: its state, versions and jobs, and its score (``inference.selectors.rounds``).
STATE = "training (fine-tuning), evaluating, done, failed or cancelled."
HELD_OUT = "Names of the held-out specimens: never trained on, scored every round."
PARENT = "The active version it fine-tunes; null once that version is deleted."
RESULT = "The fine-tuning job's final model; null until the fine-tuning has succeeded."
TRAINING_JOB = "The fine-tuning training job; null once it is deleted."
EVALUATION = (
    "The evaluation that scores result on the held-out specimens; null until the fine-tuning "
    "has succeeded, and when the scoring could not start."
)
ROUND_DICE = (
    f"{DICE_NUCLEUS} Null until the evaluation has succeeded, or when no such section was scored."
)
DELTA = (
    "dice_nucleus minus that of the latest earlier round that is done with one; null when either "
    "is missing."
)
JOB_STATUS = "That job's status (queued, running, succeeded, failed, cancelled); null without it."
ACTIVATED = "Made the active model by the rule “activate when better on the same set”."
GT_SOURCE = (
    "The ground truth the round trained and was scored on (consensus, fluorescence, imported); "
    "the first round fixes it for the series."
)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The round's id.")
    number = serializers.IntegerField(help_text="1 for the project's first round.")
    state = serializers.CharField(help_text=STATE)
    state_label = serializers.CharField(help_text="The state in words, as the rounds page says it.")
    message = serializers.CharField(help_text="What the round is doing, or how it ended.")
    created_at = serializers.DateTimeField(help_text="When it was launched.")
    gt_source = serializers.CharField(help_text=GT_SOURCE)
    gt_source_label = serializers.CharField(help_text="The source in words, as the pages say it.")
    gt_sections = serializers.IntegerField(help_text=GT_SECTIONS)
    held_out = serializers.ListField(child=serializers.CharField(), help_text=HELD_OUT)
    parent = VersionSerializer(allow_null=True, help_text=PARENT)
    result = VersionSerializer(allow_null=True, help_text=RESULT)
    training_job = serializers.IntegerField(allow_null=True, help_text=TRAINING_JOB)
    training_status = serializers.CharField(allow_null=True, help_text=JOB_STATUS)
    evaluation = serializers.IntegerField(allow_null=True, help_text=EVALUATION)
    evaluation_status = serializers.CharField(allow_null=True, help_text=JOB_STATUS)
    dice_nucleus = serializers.FloatField(allow_null=True, help_text=ROUND_DICE)
    delta = serializers.FloatField(allow_null=True, required=False, help_text=DELTA)
    activated = serializers.BooleanField(help_text=ACTIVATED)


class CurvePointSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="The round's number.")
    gt_sections = serializers.IntegerField(help_text=GT_SECTIONS)
    dice = serializers.FloatField(help_text=DICE_NUCLEUS)


# A project's round settings (``RoundSettings``).
ACTIVATE_WHEN_BETTER = (
    "A round whose dice_nucleus is higher than the previous done round's, on the same held-out "
    "set, becomes the active model by itself."
)
RETRAIN_AFTER_SECTIONS = (
    "0: off. Otherwise a round is launched by itself when this many more sections have confirmed "
    "ground truth than the last round (or the active model) was trained on."
)


class RoundSettingsSerializer(serializers.Serializer):
    epochs = serializers.IntegerField(
        min_value=1, max_value=MAX_ROUND_EPOCHS, help_text="Fine-tuning epochs per round."
    )
    activate_when_better = serializers.BooleanField(help_text=ACTIVATE_WHEN_BETTER)
    retrain_after_sections = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        required=False,
        default=0,
        help_text=RETRAIN_AFTER_SECTIONS,
    )


def settings_public(row) -> dict:
    """A project's round settings row as ``RoundSettingsSerializer`` answers it."""
    return {name: getattr(row, name) for name in RoundSettingsSerializer._declared_fields}


CURVE = (
    "One point per round that is done and scored on the series' present ground-truth source, "
    "oldest first."
)


class RoundListSerializer(serializers.Serializer):
    rounds = RoundSerializer(many=True, help_text="Newest first.")
    learning_curve = CurvePointSerializer(many=True, help_text=CURVE)
    settings = RoundSettingsSerializer()


class RoundLaunchSerializer(serializers.Serializer):
    epochs = serializers.IntegerField(
        min_value=1, max_value=MAX_ROUND_EPOCHS, required=False, allow_null=True
    )
    gt_source = serializers.ChoiceField(
        choices=GroundTruthSource.choices,
        required=False,
        allow_null=True,
        help_text=(
            "The ground truth to train and score on. Omitted: the series' (round 1's), else the "
            "source the active model was trained on. Another source than the series' is a 409 "
            "round_source_fixed."
        ),
    )


@inference_read(
    "retrain_rounds_list",
    RoundListSerializer,
    summary="A project's retrain rounds (newest first), Dice by round and round settings",
)
class ProjectRoundsApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug)
        return {
            "rounds": selectors.round_list(project),
            "learning_curve": selectors.learning_curve_points(project),
            "settings": settings_public(selectors.round_settings(project)),
        }

    @extend_schema(
        operation_id="retrain_round_launch",
        summary="Launch the next round: fine-tune the active model, then score it (managers)",
        request=RoundLaunchSerializer,
        responses={201: RoundSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = parse(RoundLaunchSerializer, request.data)
        row = retrain_round_launch(
            project=project,
            user=request.user,
            epochs=body.get("epochs"),
            gt_source=body.get("gt_source"),
        )
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
