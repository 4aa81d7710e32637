"""Request and response shapes of the annotation API (the annotator front end's contract)."""

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
    MAX_TIME_SPENT_S,
)
from cellweb.api import error_responses
from cellweb.api.fields import optional_id

# A 448x448 mask is a few KB; this leaves room for large sections while refusing junk early.
MAX_MASK_BASE64_CHARS = 24 * 1024 * 1024
MAX_MASK_UPLOAD_BYTES = 16 * 1024 * 1024

# The annotation endpoints' 400 (the schema adds the answers every endpoint can give).
ANNOTATION_ERRORS = error_responses(400, descriptions={400: "Malformed request or unusable mask."})

# Texts several fields share.
ANNOTATE_PAGE = "The annotate page of the section."
SAVE_TIME = "Active drawing time since the previous save, in seconds."
TOTAL_TIME = "Active drawing time summed over all saves, in seconds."
UPDATED_AT = "When it last changed: a save, a reopening or a send-back."
BEFORE_FIRST = "null before your first save."
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


# Your own annotation of the section (no polygons and no time before your first save).
class MineStateSerializer(serializers.Serializer):
    revision = serializers.IntegerField(
        allow_null=True, help_text=f"The number of your latest revision (1 first); {BEFORE_FIRST}"
    )
    status = serializers.ChoiceField(
        choices=AnnotationStatus.choices,
        allow_null=True,
        help_text=f"Draft or submitted; {BEFORE_FIRST}",
    )
    mask_png = serializers.CharField(allow_null=True, help_text=f"{STORED_MASK}; {BEFORE_FIRST}")
    polygons = PolygonsField()
    width = serializers.IntegerField(help_text="The section's width in pixels.")
    height = serializers.IntegerField(help_text="The section's height in pixels.")
    time_spent_s = serializers.FloatField(help_text=TOTAL_TIME)
    can_edit = serializers.BooleanField(
        help_text="You may save: you annotate in this project, the section is neither confirmed "
        "nor excluded, and your annotation is not submitted."
    )
    can_reopen = serializers.BooleanField(
        help_text="You may reopen your submitted annotation: the section is neither confirmed "
        "nor excluded, and the current confirmed ground truth was not built from this revision."
    )
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text=f"{UPDATED_AT} {BEFORE_FIRST}"
    )


LOCKED_SECTION = (
    "The section is confirmed or excluded, so nothing can be saved on it; null while it takes "
    "annotations."
)


class SectionLockedSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["section_confirmed", "section_excluded"],
        help_text="The 409 code a save would get.",
    )
    detail = serializers.CharField(help_text="Who confirmed or excluded it, when, and why.")


class MineReadSerializer(MineStateSerializer):
    sent_back = SentBackSerializer(
        allow_null=True, help_text="The latest send-back naming you: who sent it back and why."
    )
    locked = SectionLockedSerializer(allow_null=True, help_text=LOCKED_SECTION)


class SentBackNewsSerializer(SentBackSerializer):
    said = serializers.CharField(
        help_text="The line the page shows: who sent it back, when, the comment, and what it "
        "means for the annotation just saved."
    )


class MineSaveAnswerSerializer(MineStateSerializer):
    sent_back = SentBackNewsSerializer(
        allow_null=True,
        help_text="Once, in the answer to your first save after a reviewer sent this section "
        "back naming you while your annotation was a draft: who, when and why. Null otherwise.",
    )


class AnnotationConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = MineStateSerializer(help_text="Your annotation as it is now.")


class _SaveFields(serializers.Serializer):
    base_revision = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=2**31 - 1,
        help_text="The revision this edit started from (null when there was none).",
    )
    time_spent_s = serializers.FloatField(
        required=False,
        default=0.0,
        min_value=0.0,
        max_value=MAX_TIME_SPENT_S,
        help_text=SAVE_TIME,
    )
    action = serializers.ChoiceField(choices=["save", "submit"], default="save")
    editor_session = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="A random id of the editor page, the same for all its saves. A save based on "
        "an older revision is not a conflict when every revision since was saved by the same "
        "page (the answers to its earlier saves were lost on the way back).",
    )
    label_set_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The project's label-set version the mask was drawn under (the editor "
        "config's labels.version). A mask holding a class added, deleted or given another kind "
        "since then is refused (400) with a message to reload.",
    )
    origin = serializers.ChoiceField(
        choices=["blank", "own_previous", "model"],
        required=False,
        allow_null=True,
        help_text="Where this mask started: “blank”, “own_previous” (your previous section) or "
        "“model” (a proposal; give `origin_model_version`). Left out: the latest revision's "
        "origin (blank for a first save).",
    )
    origin_model_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The model version whose proposal the mask started from (kept when stale).",
    )


class MineSaveSerializer(_SaveFields):
    mask_png = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=MAX_MASK_BASE64_CHARS,
        help_text="Base64 PNG (a data: URL prefix is accepted): a binary mask (8-bit grey, "
        "1-bit, or RGB(A) with equal channels and opaque alpha; 0 = background, 255 (or 1) = "
        "class 1), an 8-bit class map (pixel = class value) or a 16-bit instance map with its "
        "class table (docs/labels.md).",
    )
    instances_png = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=MAX_MASK_BASE64_CHARS,
        help_text="Base64 16-bit PNG of instance ids (0 none) of the instance classes of the "
        "class map in mask_png; each instance lies inside one class.",
    )
    polygons = PolygonsField(required=False, allow_null=True)
    proposal_png = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=MAX_MASK_BASE64_CHARS,
        help_text="The model proposal the mask started from, as loaded (base64 PNG, same rules "
        "as mask_png); only with the origin “model”. A submission is measured against it: "
        "correction Dice and pixels changed.",
    )
    source = serializers.ChoiceField(
        choices=["canvas", "copy"],
        required=False,
        help_text="“copy” when copied from another section.",
    )


class MineUploadSerializer(_SaveFields):
    mask = serializers.FileField(help_text="The mask as a PNG file (same rules as mask_png).")
    instances = serializers.FileField(
        required=False, help_text="16-bit instance ids beside a class map (as instances_png)."
    )


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
