"""REST endpoints of evaluations: launch, list, follow and cancel them; per-section results and
their overlay layers."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import GroundTruthSource
from cellweb.api import conflict_responses, only, parse
from cellweb.api.pagination import PageQuerySerializer, PageSerializer, page_answer
from cellweb.jobs.api import (
    JobRowSerializer,
    JobSnapshotSerializer,
    JobSummarySerializer,
    RunTimesSerializer,
    job_api_views,
)
from inference.apis.errors import ERRORS
from inference.apis.fields import MAX_DB_ID, id_list, optional_id, probability_threshold
from inference.apis.views import ProjectJobLaunchApi, ProjectListApi, launch_schema, list_schema
from inference.conflicts import CONFLICTS
from inference.models import EvaluationSetKind
from inference.selectors import evaluation as selectors
from inference.services import evaluation as services

# ---------------------------------------------------------------------------------------------
# Input


class SetParamsInput(serializers.Serializer):
    lab = serializers.CharField(
        required=False, max_length=100, help_text="cross_lab (and optional filter)."
    )
    tag = serializers.CharField(required=False, max_length=64, help_text="tag sets.")
    specimen_ids = id_list(required=False, help_text="specimens sets.")
    include_training = serializers.BooleanField(
        required=False, help_text="Also score specimens the model was trained on."
    )
    exclude_flagged = serializers.BooleanField(
        required=False,
        help_text="Leave out sections whose fluorescence ground truth is flagged: stain signal "
        "but an empty mask, or a mask without stain signal.",
    )


def _needs(set_kind: str, **properties) -> dict:
    """One allowed shape of the launch body: ``set_kind`` with the properties it requires."""
    return {
        "properties": {"set_kind": only(set_kind), **properties},
        "required": ["set_kind", *properties],
    }


_A_VERSION = {"type": "integer", "minimum": 1, "maximum": MAX_DB_ID}


class EvaluationLaunchInput(serializers.Serializer):
    # What each set needs (clean_set_params and set_plan check the same): cross-validation the
    # version whose folds it scores; cross-modality fluorescence ground truth; cross-laboratory
    # the lab to score or a version whose training labs are left out; a tag or specimen set
    # its tag or specimens.
    schema_rules = {
        "anyOf": [
            _needs(EvaluationSetKind.CROSS_VALIDATION, model_version=_A_VERSION),
            {
                "properties": {
                    "set_kind": only(EvaluationSetKind.CROSS_MODALITY),
                    "gt_source": {**only(GroundTruthSource.FLUORESCENCE, None), "nullable": True},
                },
                "required": ["set_kind"],
            },
            _needs(
                EvaluationSetKind.CROSS_LAB,
                set_params={"type": "object", "required": ["lab"]},
            ),
            _needs(EvaluationSetKind.CROSS_LAB, model_version=_A_VERSION),
            _needs(
                EvaluationSetKind.TAG,
                set_params={"type": "object", "required": ["tag"]},
            ),
            _needs(
                EvaluationSetKind.SPECIMENS,
                set_params={
                    "type": "object",
                    "required": ["specimen_ids"],
                    "properties": {"specimen_ids": {"type": "array", "minItems": 1}},
                },
            ),
        ]
    }

    model_version = optional_id("None: baselines only (edge-based and Otsu).")
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
    threshold = probability_threshold()


# ---------------------------------------------------------------------------------------------
# Output


class EvaluationSummarySerializer(JobSummarySerializer):
    model_version = serializers.IntegerField(allow_null=True)
    model_name = serializers.CharField(allow_null=True)
    set_kind = serializers.CharField()
    set_label = serializers.CharField()
    set_params = serializers.JSONField()
    gt_source = serializers.CharField()
    threshold = serializers.FloatField()
    sections = serializers.IntegerField()
    dice = serializers.FloatField(allow_null=True)
    url = serializers.CharField()


class EvaluationListSerializer(PageSerializer):
    results = EvaluationSummarySerializer(many=True)


class EvaluationUnitSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.CharField()
    batch = serializers.IntegerField(allow_null=True, help_text="Sections segmented.")
    batches = serializers.IntegerField(allow_null=True, help_text="Sections to segment.")
    eta_s = serializers.FloatField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class EvaluationDetailSerializer(
    EvaluationSummarySerializer, JobRowSerializer, RunTimesSerializer, JobSnapshotSerializer
):
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


# ---------------------------------------------------------------------------------------------
# Evaluations


@list_schema(
    operation_id="evaluations_list",
    summary="Evaluations of a project, newest first",
    errors=ERRORS,
)
@launch_schema(
    operation_id="evaluations_launch",
    summary="Launch an evaluation (managers)",
    description=(
        "A model version (or none: baselines only) × a specimen set × a ground-truth source. "
        "The set is checked against the data first: an empty set or a set without ground "
        "truth is a 409, a model version, tag or specimen not in the project a 404. The edge-based and Otsu "
        "baselines always run beside the model."
    ),
    # JSON: a form field cannot carry the null that gt_source and model_version take.
    request={"application/json": EvaluationLaunchInput},
    errors=ERRORS,
    refusals=conflict_responses(
        CONFLICTS,
        "not_cross_validated",
        "unsupported_input_size",
        "channel_mismatch",
        "no_matching_specimens",
        "no_ground_truth",
        "no_target_class",
    ),
)
class ProjectEvaluationsApi(ProjectListApi, ProjectJobLaunchApi):
    kind = "evaluation"
    input = EvaluationLaunchInput
    output = EvaluationDetailSerializer
    page_output = EvaluationListSerializer

    def page(self, project, query_params):
        query = parse(PageQuerySerializer, query_params)
        return page_answer(*selectors.evaluation_list_rows(project, **query))

    def launch(self, project, user, body):
        data = body.validated_data
        return services.evaluation_launch(
            project=project,
            user=user,
            model_version_id=data["model_version"],
            set_kind=data["set_kind"],
            set_params=dict(data.get("set_params") or {}),
            gt_source=data.get("gt_source"),
            threshold=data["threshold"],
        )


EvaluationDetailApi, EvaluationCancelApi = job_api_views(
    "evaluation",
    output=EvaluationDetailSerializer,
    errors=ERRORS,
    id_kwarg="evaluation_id",
    operations=("evaluation_get", "evaluation_cancel"),
    summaries=(
        "An evaluation: status, progress, plan and summary (the live page's snapshot)",
        "Cancel an evaluation (a running one stops after its current sections)",
    ),
)
