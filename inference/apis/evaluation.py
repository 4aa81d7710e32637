"""REST endpoints of evaluations: launch, list, follow and cancel them; per-section results and
their overlay layers."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import GroundTruthSource
from cellweb.api import conflict_responses, only, parse
from cellweb.api.pagination import PageQuerySerializer, PageSerializer, page_answer
from cellweb.jobs.api import (
    ERROR,
    STATUS,
    JobRowSerializer,
    JobSnapshotSerializer,
    JobSummarySerializer,
    RunTimesSerializer,
)
from inference.apis.fields import MAX_DB_ID, id_list, optional_id, probability_threshold
from inference.apis.views import (
    ProjectJobLaunchApi,
    ProjectListApi,
    inference_job_views,
    launch_schema,
    list_schema,
)
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
SPLIT_TOUCHING = (
    "Separate touching predicted nuclei (default true): a prediction numbered by connected "
    "components (a binary version, the baselines) is split by a watershed of its distance "
    "transform (h-maxima seeds, h = 1 px, wide necks merged; the one that splits fluorescence "
    "ground truth) before "
    "objects are scored; a version with an instance head keeps its own instances, and imported "
    "or drawn ground truth its stored ids."
)


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
    split_touching = serializers.BooleanField(
        required=False, default=True, help_text=SPLIT_TOUCHING
    )


# ---------------------------------------------------------------------------------------------
# Output


# Whose scores an evaluation's headline gives, and how its sections' scores are aggregated
# (``inference.services.evaluation.summary``).
_PRIMARY = (
    "the evaluation's target class, for the model (the edge-based method in a baselines-only run)"
)
_OVER_SECTIONS = (
    "the mean over its sections' scores (cross-validation: each fold's mean over its sections, "
    "then the mean over the folds)"
)
MODEL_VERSION = (
    "The model version scored; null in a baselines-only run (or once that version is deleted)."
)
SET_KIND = "cross_validation, cross_modality, cross_lab, tag or specimens."
SET_PARAMS = (
    "What chose the set's specimens (those given): lab, tag, specimen_ids, include_training, "
    "exclude_flagged."
)
THRESHOLD = "The model's probability above which a pixel counts as the class."
SECTIONS = "Sections with ground truth in the set, counted at launch."
DICE = (
    f"Dice of {_PRIMARY}: {_OVER_SECTIONS}, as summary.metrics.dice.mean; null until it has been "
    "scored."
)


class EvaluationSummarySerializer(JobSummarySerializer):
    model_version = serializers.IntegerField(allow_null=True, help_text=MODEL_VERSION)
    model_name = serializers.CharField(allow_null=True, help_text="Its name; null without one.")
    set_kind = serializers.CharField(help_text=SET_KIND)
    set_label = serializers.CharField(help_text="The set kind in words.")
    set_params = serializers.JSONField(help_text=SET_PARAMS)
    gt_source = serializers.CharField(help_text="The ground-truth source scored against.")
    threshold = serializers.FloatField(help_text=THRESHOLD)
    split_touching = serializers.BooleanField(help_text=SPLIT_TOUCHING)
    sections = serializers.IntegerField(help_text=SECTIONS)
    dice = serializers.FloatField(allow_null=True, help_text=DICE)
    url = serializers.CharField(help_text="Its page.")


class EvaluationListSerializer(PageSerializer):
    results = EvaluationSummarySerializer(many=True)


# An evaluation's progress, shown as the one entry of ``folds`` (``evaluation_snapshot``).
BATCH = "Sections segmented, from the progress; null when no section is planned."
BATCHES = "Sections to segment: every section of the planned volumes; null when none is."


class EvaluationUnitSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="-1: an evaluation runs as one unit.")
    status = serializers.CharField(help_text=STATUS)
    batch = serializers.IntegerField(allow_null=True, help_text=BATCH)
    batches = serializers.IntegerField(allow_null=True, help_text=BATCHES)
    eta_s = serializers.FloatField(allow_null=True, help_text="Not estimated: always null.")
    error = serializers.CharField(allow_null=True, help_text=ERROR)


CONFIG = (
    "What it scores: model (its name, or “baselines only”), set, set_params, gt_source, "
    "threshold, methods, and the numbers of specimens and volumes."
)
REPORT_URL = "Its HTML report; null until it has been written."
PLAN = "units (fold, model_version, specimens, volumes), baselines, as_of, ..."
SUMMARY = (
    '{"metrics": {"dice": {"mean", "std", "per_fold"?}, "jaccard", "f05", "precision", '
    f'"recall", "auc_pr"}}}} of {_PRIMARY}, once it has been scored (null before): mean is '
    f"{_OVER_SECTIONS}, std the sample SD of the same values (null over one value, which has "
    "no SD), per_fold the folds' means. "
    '"objects": {method: {n_gt, n_pred, correct, fn_rate, fp_rate, split, merge, map, '
    "tp_iou50, precision_iou50, recall_iou50, f1_iou50, precision_iou70, recall_iou70, "
    "f1_iou70, ...}}: counts summed over every section of every volume, object precision, "
    "recall and F1 from those sums (one-to-one pairs at IoU > 0.5, and the correct detections "
    "at IoU ≥ 0.7), map the mean ± SD over volumes; docs/labels.md. "
    '"classes": [{value, name, kind, metrics, not_scored}]: every class scored, its metrics as '
    "above for the primary method; a class that no scored section holds in the ground truth or "
    "the prediction has null metrics and not_scored says why (null otherwise)."
)


class EvaluationDetailSerializer(
    EvaluationSummarySerializer, JobRowSerializer, RunTimesSerializer, JobSnapshotSerializer
):
    config = serializers.JSONField(help_text=CONFIG)
    plan = serializers.JSONField(help_text=PLAN)
    folds = EvaluationUnitSerializer(many=True, help_text="Its one unit of work (index -1).")
    summary = serializers.JSONField(allow_null=True, help_text=SUMMARY)
    report_url = serializers.CharField(allow_null=True, help_text=REPORT_URL)
    csv_url = serializers.CharField(help_text="Its per-section results as CSV.")


# ---------------------------------------------------------------------------------------------
# Evaluations


@list_schema(
    operation_id="evaluations_list",
    summary="Evaluations of a project, newest first",
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
            split_touching=data["split_touching"],
        )


EvaluationDetailApi, EvaluationCancelApi = inference_job_views(
    "evaluation",
    output=EvaluationDetailSerializer,
    id_kwarg="evaluation_id",
    summaries=(
        "An evaluation: status, progress, plan and summary (the live page's snapshot)",
        "Cancel an evaluation (a running one stops after its current sections)",
    ),
)
