"""REST endpoints of learning curves: a project's list and the launch (the same service as the
training area's form and ``manage.py learning_curve``), one curve's live snapshot (the page's
socket fallback) and cancel."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import GroundTruthSource
from cellweb.api import conflict_responses
from cellweb.api.pagination import PageSerializer
from cellweb.jobs.api import JobRowSerializer, JobSnapshotSerializer
from inference.apis.fields import INPUT_SIZE_RULES, input_size_field, optional_id
from inference.apis.views import (
    ProjectJobLaunchApi,
    ProjectListApi,
    inference_job_views,
    launch_schema,
    list_schema,
)
from inference.conflicts import CONFLICTS
from inference.ml.learning_curve import ALL, DEFAULT_SIZES
from inference.ml.nets import MODEL_NAMES
from inference.selectors.learning_curve import learning_curve_list
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch
from inference.services.learning_curve import config as limits
from inference.services.learning_curve.instances import INPUT, NATIVE


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": limits.MAX_SAMPLES},
            {"type": "string", "enum": [ALL]},
        ]
    }
)
class SizeField(serializers.Field):
    """A number of training sections: a whole number of at least 1, or ``"all"``."""

    default_error_messages = {"invalid": "A number of sections is a whole number ≥ 1 or “all”."}

    def to_internal_value(self, data):
        if data == ALL:
            return ALL
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        if not 1 <= data <= limits.MAX_SAMPLES:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


SPLIT_TOUCHING = (
    "Separate touching predicted nuclei (default true) before the held-out mAP is scored: the "
    "prediction's connected components are split by the watershed an evaluation splits "
    "fluorescence ground truth by (h-maxima seeds, h = 1 px, wide necks merged, of each "
    "section's native grid, "
    "where the mAP is scored)."
)


class LearningCurveInput(serializers.Serializer):
    sizes = serializers.ListField(
        child=SizeField(),
        default=lambda: list(DEFAULT_SIZES),
        min_length=1,
        max_length=limits.MAX_SIZES,
        help_text="The numbers of annotated sections n; “all” is every section outside the "
        "held-out specimens. An n above the sections available is a 409 (`too_few_sections`, "
        "`current.largest_n`).",
    )
    seeds = serializers.IntegerField(default=3, min_value=1, max_value=limits.MAX_SEEDS)
    start_version = optional_id(
        "A model version to train from beside the scratch curve (an in-silico-"
        "labelling version gives its encoder and decoder). Its network is used for both curves."
    )
    arch = serializers.ChoiceField(
        choices=list(MODEL_NAMES), default="osnet", help_text="Without a start version."
    )
    samples = serializers.IntegerField(
        default=2000,
        min_value=1,
        max_value=limits.MAX_SAMPLES,
        help_text="Training samples per point, the same for every n.",
    )
    batch_size = serializers.IntegerField(default=8, min_value=1, max_value=1024)
    input_size = input_size_field()
    schema_rules = INPUT_SIZE_RULES
    gt_source = serializers.ChoiceField(
        choices=GroundTruthSource.choices,
        default=GroundTruthSource.CONSENSUS,
        help_text="The ground truth trained on and scored.",
    )
    split_touching = serializers.BooleanField(
        required=False, default=True, help_text=SPLIT_TOUCHING
    )

    def validate_input_size(self, value: int) -> int:
        if value % 16:
            raise serializers.ValidationError("The input size must be a multiple of 16.")
        return value


class LearningCurveSerializer(JobRowSerializer, JobSnapshotSerializer):
    sizes = serializers.JSONField(
        help_text="Numbers of training sections n, increasing (“all” given as the number of "
        "sections available)."
    )
    seeds = serializers.IntegerField(help_text="Random draws of sections per n.")
    arch = serializers.CharField(
        help_text="The network of both curves (the start version's, when there is one)."
    )
    start_version = serializers.IntegerField(
        allow_null=True,
        help_text="The model version the pretrained curve starts from; null: from scratch only.",
    )
    held_out = serializers.JSONField(help_text="[{id, name, sections}] scored at every point.")
    split_touching = serializers.BooleanField(
        help_text="Whether touching predicted nuclei were separated before the mAP was scored "
        "(false for curves launched before the option)."
    )
    map_scored_at = serializers.ChoiceField(
        choices=[NATIVE, INPUT],
        help_text="Where the held-out mAP was scored: native (each section's own grid, the "
        "prediction resized back as an evaluation does) or input (prediction and ground truth "
        "resized to the input size: curves launched before native scoring).",
    )
    total_points = serializers.IntegerField(
        help_text="Points to train: n values × seeds × starts (2 with a start version, else 1)."
    )
    points = serializers.JSONField(
        help_text="The finished points: [{start (scratch or pretrained), n, seed, epochs, "
        "specimens (how many the draw came from), drawn_specimens (their ids), dice, map}]. "
        "dice: the held-out sections' pixels pooled, at threshold 0.5; map: each held-out "
        "section's mean average precision over IoU 0.50:0.05:0.95, the mean over sections."
    )


class LearningCurveRowSerializer(LearningCurveSerializer):
    cancel_requested = None
    cancelled_by = None
    cancel_requested_at = None
    cancel_reason = None
    cancel_note = None
    seq = None


class LearningCurveListSerializer(PageSerializer):
    results = LearningCurveRowSerializer(many=True)


@list_schema(
    operation_id="learning_curves_list",
    summary="Learning curves of a project, newest first",
)
@launch_schema(
    operation_id="learning_curves_launch",
    summary="Launch a learning curve (managers)",
    description=(
        "Trains on n annotated sections for each n and seed, from scratch and from "
        "`start_version`, and scores every point on the same held-out specimens. The "
        "project's ground truth and the start version are checked first (409 with a code; "
        "a start version you may not see is a 404); nothing is queued when they refuse. "
        "Follow it at `/api/learning-curves/<id>/` or `/ws/jobs/learning_curve/<id>/`."
    ),
    refusals=conflict_responses(
        CONFLICTS,
        "no_ground_truth",
        "too_few_specimens",
        "too_few_sections",
        "channel_mismatch",
        "start_version_saw_all",
    ),
)
class ProjectLearningCurvesApi(ProjectListApi, ProjectJobLaunchApi):
    kind = "learning_curve"
    input = LearningCurveInput
    output = LearningCurveSerializer
    page_output = LearningCurveListSerializer

    def items(self, project):
        return learning_curve_list(project=project, limit=5000)

    def launch(self, project, user, body):
        config = LearningCurveConfig(**body.validated_data)
        return learning_curve_launch(project=project, user=user, config=config)


LearningCurveDetailApi, LearningCurveCancelApi = inference_job_views(
    "learning_curve",
    output=LearningCurveSerializer,
    id_kwarg="curve_id",
    summaries=(
        "A learning curve: status, progress, held-out specimens and finished points",
        "Cancel a learning curve (the points it finished are kept)",
    ),
)
