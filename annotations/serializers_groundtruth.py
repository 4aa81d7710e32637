"""Answers about a section's confirmed ground truth: one version (the result of a confirmation,
or the current one in a conflict answer), a version in full, and the list of every version."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import GroundTruth, GroundTruthSource
from annotations.serializers_section import FOREGROUND_PIXELS

MAX_VERSION = 2**31 - 1

IS_CURRENT = "The section's current version from this source (one at most)."
STALE = "an input annotation changed after confirmation (a confirmed section goes back to review)"
EDITED = "A reviewer edited the mask (the consensus, or the derived fluorescence mask)."
GROUND_TRUTH_PNG = (
    "Base64 PNG of the confirmed mask: binary, class map or instance map (docs/labels.md)."
)


# A confirmed ground-truth version; in a conflict answer the section's current one, all null
# when it has none.
class GroundTruthResultSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        allow_null=True, help_text="The version number (1 first, per section and source)."
    )
    mask_png = serializers.CharField(allow_null=True, help_text=GROUND_TRUTH_PNG)
    reviewer = serializers.CharField(
        allow_null=True,
        help_text="Who confirmed, derived or imported it (username); null when nobody was "
        "signed in or the user is deleted.",
    )
    confirmed_at = serializers.DateTimeField(allow_null=True, help_text="When it was confirmed.")


class GroundTruthVersionDetailSerializer(GroundTruthResultSerializer):
    source = serializers.CharField(help_text="consensus, fluorescence or imported.")
    is_current = serializers.BooleanField(help_text=IS_CURRENT)
    stale = serializers.BooleanField(help_text=f"True when {STALE}.")
    method = serializers.CharField(
        help_text="How it was made: the consensus method, or the fluorescence or import method."
    )
    params = serializers.JSONField(
        help_text="The method's parameters (e.g. fluorescence thresholds); may be empty."
    )
    consensus_id = serializers.IntegerField(
        allow_null=True,
        help_text="The consensus confirmed; null for another source or once it is deleted.",
    )
    input_revisions = serializers.JSONField(
        help_text="[{annotation_id, revision, revision_id, annotator, dice_with_ground_truth}]: "
        "the annotations the consensus merged, each with the Dice of its mask (foreground) "
        "against this ground truth (null when unreadable); empty for another source."
    )
    edited = serializers.BooleanField(help_text=EDITED)
    edit_summary = serializers.JSONField(
        help_text="What the edit changed: pixels_added, pixels_removed (class maps add "
        "pixels_reclassified and instances_changed, a fluorescence edit its base_version); "
        "empty when unedited."
    )
    foreground_pixels = serializers.IntegerField(help_text=FOREGROUND_PIXELS)


class GroundTruthVersionSummarySerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()
    source = serializers.CharField()

    class Meta:
        model = GroundTruth
        extra_kwargs = {
            "is_current": {"help_text": IS_CURRENT},
            "stale": {"help_text": f"True when {STALE}."},
            "edited": {"help_text": EDITED},
        }
        fields = [
            "version",
            "source",
            "confirmed_at",
            "reviewer",
            "method",
            "edited",
            "stale",
            "is_current",
        ]

    def get_reviewer(self, truth) -> str | None:
        return truth.reviewer.get_username() if truth.reviewer_id else None


class SectionGroundTruthSerializer(serializers.Serializer):
    current = GroundTruthVersionDetailSerializer(
        allow_null=True, help_text="The current version in full; null before the first."
    )
    versions = GroundTruthVersionSummarySerializer(
        many=True, help_text="Every version, newest first."
    )


class SectionGroundTruthQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, required=False)
    source = serializers.ChoiceField(
        choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS, required=False
    )
