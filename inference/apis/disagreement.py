"""REST endpoints of disagreement scoring: launch one (managers), read it, cancel it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from cellweb.jobs.api import JobRowSerializer, JobSnapshotSerializer
from inference.apis.errors import DetailSerializer
from inference.apis.fields import optional_id, probability_threshold
from inference.apis.views import ProjectJobLaunchApi, inference_job_views, launch_schema
from inference.services.disagreement import disagreement_launch


class DisagreementLaunchInput(serializers.Serializer):
    training_job = optional_id(
        "Default: the active model's training job, else the newest one with at least "
        "two fold models."
    )
    threshold = probability_threshold()


class DisagreementSerializer(JobRowSerializer, JobSnapshotSerializer):
    training_job = serializers.IntegerField(
        help_text="The training job whose fold models are compared."
    )
    threshold = serializers.FloatField(
        help_text="The probability above which a pixel is in a fold model's mask."
    )
    sections = serializers.IntegerField(help_text="Sections scored (when it has succeeded).")
    created_by = serializers.CharField(
        allow_null=True,
        help_text="Who launched it (username); null when it ran by itself (after a training job, "
        "or when the queue mode changed to most_informative) or that user was deleted.",
    )
    result = serializers.JSONField(
        help_text="Once it has succeeded (empty before): sections (scored), "
        "skipped_other_modality (sections of a modality the models were not trained on), folds "
        "(models compared), training_job, device, and top: the 10 sections of highest variance "
        "(ties: lowest pairwise_dice), [{section, variance, pairwise_dice}]. variance: the "
        "variance of the fold models' probabilities at each pixel, the mean over the section's "
        "pixels; pairwise_dice: the Dice of two fold models' masks, the mean over all pairs."
    )


@launch_schema(
    operation_id="disagreement_launch",
    summary="Score the sections by the fold models' disagreement (managers)",
    description="The fold models of a training job segment every section that still needs "
    "annotations; each gets the mean pixel variance of their probabilities and the mean "
    "pairwise Dice of their masks. The queue mode `most_informative` ranks by them. Runs "
    "by itself after each training job of a project in that mode. 409 when no training "
    "job has two fold models (`too_few_fold_models`) or a scoring of the same training job is "
    "queued or running (`scoring_under_way`, `current` names it).",
    refusals={
        409: OpenApiResponse(
            DetailSerializer,
            description="No fold models to compare, or their scoring is already under way.",
        )
    },
)
class ProjectDisagreementApi(ProjectJobLaunchApi):
    kind = "disagreement"
    input = DisagreementLaunchInput
    output = DisagreementSerializer

    def launch(self, project, user, body):
        data = body.validated_data
        return disagreement_launch(
            project=project,
            user=user,
            training_job_id=data["training_job"],
            threshold=data["threshold"],
        )


DisagreementDetailApi, DisagreementCancelApi = inference_job_views(
    "disagreement",
    output=DisagreementSerializer,
    summaries=(
        "A disagreement scoring: status, progress and the top sections",
        "Cancel a disagreement scoring (the earlier scores stay)",
    ),
)
