"""REST endpoints of predictions: launch, list, follow and cancel them; a project's prediction
settings. Their results (nuclei, time series, a section's outlines) are in ``prediction_nuclei``,
re-exported here."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from annotations.permissions import get_project
from cellweb.api import conflict_responses
from cellweb.api.fields import NumberField
from cellweb.api.reads import ReadApi
from cellweb.jobs.api import JobRowSerializer, JobSnapshotSerializer
from inference.apis.errors import ERRORS
from inference.apis.fields import id_list, optional_id, probability_threshold
from inference.apis.prediction_nuclei import (
    PredictionNucleiApi,
    PredictionSeriesApi,
    SectionNucleiApi,
)
from inference.apis.views import (
    ProjectJobLaunchApi,
    ProjectSettingsApi,
    inference_job_views,
    inference_read,
    launch_schema,
    settings_schema,
)
from inference.conflicts import CONFLICTS
from inference.ml.tracking import MAX_TRACK_GAP
from inference.selectors import prediction as selectors
from inference.services import prediction as services

__all__ = [
    "PredictionCancelApi",
    "PredictionDetailApi",
    "PredictionDetailSerializer",
    "PredictionLaunchInput",
    "PredictionListSerializer",
    "PredictionNucleiApi",
    "PredictionSerializer",
    "PredictionSeriesApi",
    "PredictionSettingsApi",
    "ProjectPredictionsApi",
    "SectionNucleiApi",
    "SettingsSerializer",
]


class PredictionLaunchInput(serializers.Serializer):
    model_version = optional_id("Default: the project's active model version.")
    specimen_ids = id_list(
        required=False, default=list, help_text="Default: every specimen (or every one with `tag`)."
    )
    tag = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    time_points = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=10**6),
        required=False,
        default=list,
        max_length=10_000,
        help_text="Default: every time point.",
    )
    threshold = probability_threshold()
    tta = serializers.BooleanField(required=False, default=False)
    split_touching = serializers.BooleanField(required=False, default=False)
    watershed_h = NumberField(required=False, default=1.0, min_value=0.01, max_value=100)
    min_voxels = serializers.IntegerField(required=False, default=27, min_value=1, max_value=10**7)
    track_gap = serializers.IntegerField(
        required=False,
        default=2,
        min_value=0,
        max_value=MAX_TRACK_GAP,
        help_text="Time points a nucleus may be missed and keep its track id (0: none).",
    )


class PredictionSerializer(JobRowSerializer):
    model_version = serializers.IntegerField(
        allow_null=True,
        help_text="The model version that segments; null once that version is deleted.",
    )
    model_name = serializers.CharField(allow_null=True, help_text="Its name at launch.")
    options = serializers.JSONField(help_text="threshold, tta, split_touching, watershed_h, ...")
    specimens = serializers.JSONField(help_text="[{id, name}] of the specimens it segments.")
    sections = serializers.IntegerField(
        help_text="Sections to segment: every section of its volumes."
    )
    volumes = serializers.IntegerField(
        help_text="Volumes to segment (one per specimen and time point)."
    )
    launched_by = serializers.CharField(
        help_text="Who launched it, as its page says it: a username, “mona (new import)” for "
        "“predict new imports”, “the command line” for manage.py predict without --user."
    )


class PredictionDetailSerializer(PredictionSerializer, JobSnapshotSerializer):
    batch = serializers.IntegerField(help_text="Sections segmented, from the progress.")
    batches = serializers.IntegerField(help_text="Sections to segment.")
    summary = serializers.JSONField(
        help_text="One row per volume once it has been segmented (empty before): volume, "
        "specimen, specimen_id, time_index, no_signal (every section blank, a dropped frame: "
        "not segmented, its counts and figures null, a gap rather than zero nuclei), "
        "blank_sections (sections with no signal, which got no nuclei), n_nuclei (every "
        "nucleus), n_edge_nuclei (those touching the field's x/y edge), total_volume_um3 (µm³, "
        "the sum of a stack's nucleus volumes, edge nuclei included: the nucleus volume inside "
        "the field; null for a single section or without a voxel size), total_area_um2 (µm², "
        "the same for a single section's nucleus areas), mean_volume_um3 and mean_area_um2 (the "
        "mean over the nuclei away from the edge, as edge_nuclei_included: false says) and "
        "medium_ri (the medium's refractive index measured on the volume; null without a "
        "refractive-index image), voxel_size ([z, y, x] in µm: the volume's voxel size when it "
        "was predicted, which its µm³, µm² and picograms were measured with; a size set on the "
        "specimen since is used by predictions made from then on; null: none)."
    )
    replaced = serializers.BooleanField(help_text="A later run of the same model replaced it.")


class PredictionListSerializer(serializers.Serializer):
    results = PredictionSerializer(many=True, help_text="Newest first, 50 at most.")


class SettingsSerializer(serializers.Serializer):
    predict_new_imports = serializers.BooleanField(
        help_text="When an import has finished, the active model segments its time points by itself."
    )
    active_model_version = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The active model version; null when none."
    )
    active_model_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="Its name; null when none."
    )


@launch_schema(
    operation_id="predictions_launch",
    summary="Launch a prediction (managers)",
    description="A model version (default: the active one) segments the chosen label-free "
    "specimens at every (or the chosen) time point; no ground truth is needed.",
    refusals=conflict_responses(
        CONFLICTS,
        "no_active_model",
        "unsupported_input_size",
        "modality_mismatch",
        "channel_mismatch",
        "no_volumes",
        "partial_series",
    ),
)
class ProjectPredictionsApi(ProjectJobLaunchApi):
    kind = "prediction"
    input = PredictionLaunchInput
    output = PredictionDetailSerializer

    @extend_schema(
        operation_id="predictions_list",
        summary="Predictions of a project, newest first",
        responses={200: PredictionListSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        return Response(
            PredictionListSerializer({"results": selectors.prediction_list(project=project)}).data
        )

    def launch(self, project, user, body):
        data = dict(body.validated_data)
        tag = data.pop("tag") or None
        # The other fields are the service's arguments of the same name.
        return services.prediction_launch(
            project=project,
            user=user,
            model_version_id=data.pop("model_version"),
            tag=tag,
            **data,
        )


PredictionDetailApi, PredictionCancelApi = inference_job_views(
    "prediction",
    output=PredictionDetailSerializer,
    id_kwarg="prediction_id",
    summaries=(
        "A prediction: status, progress, options and per-volume table",
        "Cancel a prediction (it leaves no results behind)",
    ),
)


@inference_read(
    "prediction_settings_get",
    SettingsSerializer,
    summary="A project's active model and whether new imports are predicted",
)
@settings_schema(
    "prediction_settings_set",
    SettingsSerializer,
    summary="Switch “predict new imports” on or off (managers)",
)
class PredictionSettingsApi(ReadApi, ProjectSettingsApi):
    save = staticmethod(services.prediction_settings_set)

    def public(self, project, row):
        active = selectors.active_model_version(project)
        return {
            "predict_new_imports": row.predict_new_imports,
            "active_model_version": active.pk if active else None,
            "active_model_name": active.name if active else None,
        }

    def read(self, request, slug: str):
        project = get_project(request.user, slug)
        return self.public(project, selectors.prediction_settings(project))
