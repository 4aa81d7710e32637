"""REST endpoints of a prediction's results: its nuclei (JSON), per-nucleus time series and the
two-group comparison, and the active model's nuclei outlines on a section (the viewer's
contours)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.permissions import get_section
from cellweb.api import parse
from cellweb.api.reads import ReadApi
from cellweb.errors import InvalidInput
from inference.apis.views import inference_read
from inference.selectors import prediction as selectors
from inference.selectors.prediction_images import section_nuclei_outlines

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


@inference_read(
    "prediction_nuclei",
    NucleiSerializer,
    summary="Every nucleus of a prediction at every time point (the CSV's rows)",
)
class PredictionNucleiApi(ReadApi):
    def read(self, request, prediction_id: int):
        prediction = selectors.prediction_get(user=request.user, prediction_id=prediction_id)
        rows = selectors.nuclei_rows(selectors.prediction_results(prediction))
        return {"count": len(rows), "results": rows}


@inference_read(
    "prediction_series",
    SeriesSerializer,
    summary="Tracked nuclei over time, and two tags' mean ± SD per time point",
    parameters=[SeriesQuery],
)
class PredictionSeriesApi(ReadApi):
    def read(self, request, prediction_id: int):
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
        return {
            "series": selectors.nucleus_series(results),
            "comparison": comparison,
            "no_signal": selectors.no_signal_points(results),
        }


@inference_read(
    "section_predicted_nuclei",
    SectionNucleiSerializer,
    summary="The active model's nuclei on a section: outlines and a colour per nucleus",
)
class SectionNucleiApi(ReadApi):
    def read(self, request, section_id: int):
        return section_nuclei_outlines(get_section(request.user, section_id))
