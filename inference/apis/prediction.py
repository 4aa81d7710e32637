"""REST endpoints of predictions: launch, list, follow and cancel them; their nuclei (JSON),
per-nucleus time series and the two-group comparison; the active model's nuclei outlines on a
section (the viewer's contours); a project's prediction settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.permissions import get_project, get_section
from cellweb.api import conflict_responses, parse
from cellweb.api.fields import NumberField
from cellweb.api.reads import ReadApi
from cellweb.errors import InvalidInput
from cellweb.jobs.api import JobRowSerializer, JobSnapshotSerializer
from inference.apis.errors import ERRORS
from inference.apis.fields import id_list, optional_id, probability_threshold
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
from inference.selectors.prediction_images import section_nuclei_outlines
from inference.services import prediction as services


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


# A nucleus's quantities at one time point (``inference.ml.nucleus_quantities``, tracked by
# ``inference.services.prediction.runner``).
NUCLEUS_QUANTITIES = (
    "id (its track: the same nucleus keeps it over time), parent (the track a daughter split "
    "from, else null), voxel_count, volume_um3 (µm³), area_um2 (µm², a single section's nuclei "
    "instead of volume, surface, sphericity and dry mass), surface_area_um2 (µm²), sphericity, "
    "mean_ri, concentration_pg_per_um3 (pg/µm³), dry_mass_pg (pg), centroid (voxels, z y x) and "
    "centroid_um (µm), touches_edge (the nucleus touches the field's x/y edge in some section: "
    "cut, so measured too small) and touches_z_end (it reaches the first or last section of a "
    "stack, not counted as the edge; null for a single section); µm numbers are null without a "
    "voxel size, refractive-index ones without a refractive-index image"
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
        "refractive-index image)."
    )
    replaced = serializers.BooleanField(help_text="A later run of the same model replaced it.")


class PredictionListSerializer(serializers.Serializer):
    results = PredictionSerializer(many=True, help_text="Newest first, 50 at most.")


class NucleiSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Rows in results.")
    results = serializers.JSONField(
        help_text="One row per nucleus and time point of its current results: specimen, "
        "specimen_id, time_index, time_min (minutes since time point 0: the index times the "
        "specimen's frame interval; null when the interval is unknown), volume (id), medium_ri, "
        "and the nucleus's "
        f"{NUCLEUS_QUANTITIES}."
    )


class SeriesQuery(serializers.Serializer):
    tags = serializers.CharField(
        required=False, default="", help_text="Two tags, comma-separated: the groups to compare."
    )
    quantity = serializers.ChoiceField(choices=selectors.SERIES_KEYS, default="volume_um3")
    include_edge = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Count the nuclei touching the field's x/y edge in the comparison's means "
        "(default: left out, as a cut nucleus measures too small).",
    )


class SeriesSerializer(serializers.Serializer):
    series = serializers.JSONField(
        help_text="Per tracked nucleus: specimen, nucleus (its track id), parent and points "
        "[{t, time_min, volume_um3, area_um2, surface_area_um2, mean_ri, dry_mass_pg, "
        "touches_edge}], one per time point (t: the time point's index; time_min: minutes since "
        "time point 0, the index times the specimen's frame interval, null when the interval is "
        "unknown; area_um2: a single-section field's nuclei, which have no volume; touches_edge: "
        "cut by the field's x/y edge, so measured too small)."
    )
    comparison = serializers.JSONField(
        allow_null=True,
        help_text="Null without tags. Otherwise quantity, edge_nuclei_included and groups: per "
        "tag, [{t, time_min, mean, sd, n}], the mean and sample SD (null for a single nucleus) "
        "of quantity over the nuclei of the tag's specimens at time point t (n nuclei), those "
        "touching the field's edge left out unless include_edge; time_min in minutes when every "
        "compared specimen has the same frame interval, else null.",
    )
    no_signal = serializers.JSONField(
        help_text="[{specimen, specimen_id, t}]: time points with no signal (a dropped or blank "
        "frame), not segmented: gaps of the series, not zero nuclei."
    )


class SectionNucleusSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Tracked nucleus id (the label in the TIFF).")
    colour = serializers.CharField(help_text="Its colour in the viewer, #rrggbb.")
    contours = serializers.JSONField(help_text="Outlines [[[x, y], ...], ...] in pixels.")


class SectionNucleiSerializer(serializers.Serializer):
    prediction = serializers.IntegerField(
        allow_null=True,
        help_text="The prediction whose result is shown; null when the active model has not "
        "segmented the section's volume, or the project has no active model.",
    )
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The active model version; null when nothing is shown."
    )
    nuclei = SectionNucleusSerializer(many=True, help_text="The nuclei the section cuts through.")


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


class PredictionNucleiApi(APIView):
    @extend_schema(
        operation_id="prediction_nuclei",
        summary="Every nucleus of a prediction at every time point (the CSV's rows)",
        responses={200: NucleiSerializer, **ERRORS},
    )
    def get(self, request, prediction_id: int):
        prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
        rows = selectors.nuclei_rows(selectors.prediction_results(prediction))
        return Response(NucleiSerializer({"count": len(rows), "results": rows}).data)


class PredictionSeriesApi(APIView):
    @extend_schema(
        operation_id="prediction_series",
        summary="Tracked nuclei over time, and two tags' mean ± SD per time point",
        parameters=[SeriesQuery],
        responses={200: SeriesSerializer, **ERRORS},
    )
    def get(self, request, prediction_id: int):
        prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
        query = parse(SeriesQuery, request.query_params)
        tags = [t.strip() for t in query["tags"].split(",") if t.strip()]
        if tags and len(tags) != 2:
            raise InvalidInput("Give two tags to compare, comma-separated (e.g. LPS,control).")
        results = list(selectors.prediction_results(prediction))
        refusal = tags and selectors.comparison_refusal(results, tuple(tags), query["quantity"])
        if refusal:
            raise InvalidInput(refusal)
        comparison = (
            selectors.group_comparison(
                results,
                tags=(tags[0], tags[1]),
                quantity=query["quantity"],
                include_edge=query["include_edge"],
            )
            if tags
            else None
        )
        answer = {
            "series": selectors.nucleus_series(results),
            "comparison": comparison,
            "no_signal": selectors.no_signal_points(results),
        }
        return Response(SeriesSerializer(answer).data)


class SectionNucleiApi(APIView):
    @extend_schema(
        operation_id="section_predicted_nuclei",
        summary="The active model's nuclei on a section: outlines and a colour per nucleus",
        responses={200: SectionNucleiSerializer, **ERRORS},
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        return Response(SectionNucleiSerializer(section_nuclei_outlines(section)).data)


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
