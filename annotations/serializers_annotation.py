"""Request and response shapes of the annotation API (the annotator front end's contract): the
texts, errors and polygons every annotation endpoint shares, anyone's annotations and revisions,
progress, the next section and export (your own annotation's: ``serializers_annotation_mine``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import AnnotationStatus
from annotations.serializers_section import FOREGROUND_PIXELS, PROJECT_SLUG
from annotations.services.annotation import (
    MAX_POINTS_PER_POLYGON,
    MAX_POLYGON_POINTS,
    MAX_POLYGONS,
    MAX_ROW_CROSSINGS,
)
from cellweb.api import error_responses
from cellweb.api.fields import optional_id

# The annotation endpoints' 400 (the schema adds the answers every endpoint can give).
ANNOTATION_ERRORS = error_responses(400, descriptions={400: "Malformed request or unusable mask."})

# Texts several fields share.
ANNOTATE_PAGE = "The annotate page of the section."
SAVE_TIME = "Active drawing time since the previous save, in seconds."
TOTAL_TIME = "Active drawing time summed over all saves, in seconds."
UPDATED_AT = "When it last changed: a save, a reopening or a send-back."
STORED_MASK = (
    "Base64 PNG of the latest revision's mask as stored: binary (white = foreground), class map "
    "or instance map (docs/labels.md)"
)

_POLYGONS_SCHEMA = {
    "type": "array",
    "description": "Polygons in pixel coordinates, each a list of at least 3 [x, y] points "
    "(x = column, y = row, 0..width / 0..height, pixel edges). At most "
    f"{MAX_POLYGONS} polygons, {MAX_POINTS_PER_POLYGON} points per polygon and "
    f"{MAX_POLYGON_POINTS} points in all; the edges may cross at most {MAX_ROW_CROSSINGS} pixel "
    "rows in all. Beyond these the request gets a 400 naming the limit.",
    "maxItems": MAX_POLYGONS,
    "items": {
        "type": "array",
        "minItems": 3,
        "maxItems": MAX_POINTS_PER_POLYGON,
        "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    },
}


@extend_schema_field(_POLYGONS_SCHEMA)
class PolygonsField(serializers.JSONField):
    """Passed through as is; ``mask_from_payload`` checks the geometry against the section.

    JSON bodies arrive already parsed: DRF's check that they are JSON-serialisable (a second
    encoding of up to 100k points, holding the GIL) is skipped for them.
    """

    def to_internal_value(self, data):
        if isinstance(data, list):
            return data
        return super().to_internal_value(data)


class SentBackSerializer(serializers.Serializer):
    section_id = serializers.IntegerField(help_text="The section's id.")
    reviewer = serializers.CharField(
        help_text="Who sent the section back (username; empty once the user is deleted)."
    )
    comment = serializers.CharField(help_text="Why: what the annotator should change.")
    at = serializers.DateTimeField(help_text="When it was sent back.")
    answered = serializers.BooleanField(help_text="The annotator resubmitted after it.")


class SentBackItemSerializer(SentBackSerializer):
    section_label = serializers.CharField(
        help_text="The section as pages name it: specimen · t<time point> · z<z> of z0–z<last>."
    )
    project = serializers.CharField(help_text=PROJECT_SLUG)
    project_name = serializers.CharField(help_text="The project's name.")
    url = serializers.CharField(help_text=ANNOTATE_PAGE)


class AnnotationPublicSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The annotation's id.")
    annotator = serializers.CharField(help_text="Whose it is (username).")
    section = serializers.IntegerField(help_text="The section's id.")
    status = serializers.ChoiceField(choices=AnnotationStatus.choices)
    revision = serializers.IntegerField(help_text="The number of its latest revision (1 first).")
    time_spent_s = serializers.FloatField(help_text=TOTAL_TIME)
    updated_at = serializers.DateTimeField(help_text=UPDATED_AT)
    submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was submitted; null while it is a draft."
    )
    mask_png = serializers.CharField(
        allow_null=True, help_text=f"{STORED_MASK}; null before its first save."
    )
    polygons = PolygonsField()


class AnnotationRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The revision's number (1 first).")
    author = serializers.CharField(help_text="Who saved it (username).")
    created_at = serializers.DateTimeField(help_text="When it was saved.")
    status = serializers.ChoiceField(choices=AnnotationStatus.choices)
    time_spent_s = serializers.FloatField(help_text=SAVE_TIME)
    foreground_pixels = serializers.IntegerField(help_text=FOREGROUND_PIXELS)
    source = serializers.CharField(
        help_text="How the mask came: canvas, png (a file), polygons or copy (from another "
        "section)."
    )
    origin = serializers.CharField(help_text="blank, own_previous or model.")
    origin_model_version = serializers.IntegerField(
        allow_null=True,
        help_text="The model version whose proposal the mask started from (kept when the "
        "version is later replaced or deleted); null for another origin.",
    )
    mask_png = serializers.CharField(required=False, help_text="Only with ?include_masks=1.")


class RevisionQuerySerializer(serializers.Serializer):
    include_masks = serializers.BooleanField(required=False, default=False)


# Counted over the project's label-free sections the queue hands out: excluded ones left out, and
# those with imported ground truth unless the project includes them in the queue.
class AnnotationProgressSerializer(serializers.Serializer):
    sections_total = serializers.IntegerField(help_text="Sections to annotate.")
    sections_imported = serializers.IntegerField(
        help_text="Sections whose current ground truth is imported (an expert's mask), excluded "
        "ones left out; in sections_total only when imported_in_queue."
    )
    imported_in_queue = serializers.BooleanField(
        help_text="The project's setting queue_includes_imported: sections with imported ground "
        "truth are annotated too."
    )
    sections_complete = serializers.IntegerField(
        help_text="Of them, with the required submitted annotations, or in review or confirmed."
    )
    required_per_section = serializers.IntegerField(
        help_text="Submitted annotations a section needs (the project's setting)."
    )
    mine_submitted = serializers.IntegerField(help_text="Your submitted annotations of them.")
    mine_drafts = serializers.IntegerField(
        help_text="Your draft annotations of them (started, reopened or sent back)."
    )


class NextQuerySerializer(serializers.Serializer):
    skip = optional_id("The section on screen, skipped: it comes back after every fresh section.")


class AnnotateNextSerializer(serializers.Serializer):
    section_id = serializers.IntegerField(help_text="The section's id.")
    url = serializers.CharField(help_text=ANNOTATE_PAGE)


class ExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["png", "tiff", "labels"], default="png")
