"""Request and response shapes of your own annotation of a section: reading it, saving or
uploading a mask, and the answers a save gets (the annotator front end's contract; the shapes
every annotation endpoint shares are in ``serializers_annotation``)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import AnnotationStatus
from annotations.serializers_annotation import (
    SAVE_TIME,
    STORED_MASK,
    TOTAL_TIME,
    UPDATED_AT,
    PolygonsField,
    SentBackSerializer,
)
from annotations.services.annotation import MAX_TIME_SPENT_S

# A 448x448 mask is a few KB; this leaves room for large sections while refusing junk early.
MAX_MASK_BASE64_CHARS = 24 * 1024 * 1024
MAX_MASK_UPLOAD_BYTES = 16 * 1024 * 1024

BEFORE_FIRST = "null before your first save."


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


def _version_number(help_text: str) -> serializers.IntegerField:
    """An optional version number (1 first) that a save may name, or null."""
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text=help_text
    )


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
    label_set_version = _version_number(
        "The project's label-set version the mask was drawn under (the editor "
        "config's labels.version). A mask holding a class added, deleted or given another kind "
        "since then is refused (400) with a message to reload."
    )
    origin = serializers.ChoiceField(
        choices=["blank", "own_previous", "model"],
        required=False,
        allow_null=True,
        help_text="Where this mask started: “blank”, “own_previous” (your previous section) or "
        "“model” (a proposal; give `origin_model_version`). Left out: the latest revision's "
        "origin (blank for a first save).",
    )
    origin_model_version = _version_number(
        "The model version whose proposal the mask started from (kept when stale)."
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
