"""The answers of the data-browsing endpoints (``annotations/apis/specimens.py``): specimens,
volumes, sections, and the facts of a specimen a manager corrects (frame interval, voxel size)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Modality
from annotations.serializers_section import PROJECT_SLUG, SECTION_STATUS, SECTION_Z
from cellweb.api import RefusesUnknownFields

# Texts several answers share (``annotations.selectors.specimens``).
LAB = "The specimen's lab (may be blank)."
TAGS = "The specimen's tags, sorted."
CHANNEL = "The channel's name (e.g. DAPI); blank for a single-channel modality."
TIME_INDEX = "The time point (0 first)."
UNITS = "What the values are: ri (refractive index) or intensity."
IMAGE_URL = "The section's image (PNG; the image endpoint takes its window, size and channel)."
FRAME_INTERVAL = (
    "Minutes between consecutive time points, read from the file, given at import or set by a "
    "manager; null when unknown (time is then the time point only). Predictions' time_min is "
    "the time point times this, computed when read."
)
FLUORESCENCE_ID = "The paired fluorescence section of a label-free section; null when none."

_STATS = {"type": "object", "additionalProperties": {"type": "number", "format": "double"}}


@extend_schema_field(
    {
        **_STATS,
        "properties": {
            "channels": {
                "type": "array",
                "items": _STATS,
                "description": "A multi-channel image: the same figures per channel.",
            }
        },
    }
)
class IntensityStatsField(serializers.JSONField):
    """Passed through as stored: numbers, and for a multi-channel image a list of them."""


def related_id(help_text: str) -> serializers.IntegerField:
    """The id of a related section or volume; null where there is none."""
    return serializers.IntegerField(allow_null=True, help_text=help_text)


def related_image(help_text: str) -> serializers.CharField:
    """The image URL of a related section; null where there is none."""
    return serializers.CharField(allow_null=True, help_text=help_text)


def intensity_stats(whose: str) -> IntensityStatsField:
    return IntensityStatsField(
        help_text=f"Statistics of {whose} values, in its units: min, max, mean and the 0.5, 1, "
        "99 and 99.5 percentiles (p0_5, p1, p99, p99_5; from a subsample of a large image). A "
        "multi-channel image gives those of its first channel, and adds channels."
    )


# What of a specimen's ground truth is imported (``import_masks``, expert masks).
class ImportedTruthSerializer(serializers.Serializer):
    sections = serializers.IntegerField(
        help_text="Sections whose current ground truth is imported."
    )
    of = serializers.IntegerField(help_text="Its label-free sections, every time point.")
    open_sections = serializers.IntegerField(help_text="`of` − `sections`: open for annotation.")
    imported_in_queue = serializers.BooleanField(
        help_text="The project asks annotators to draw the imported sections too."
    )
    partial = serializers.BooleanField(
        help_text="Some of its sections have none (a partial import)."
    )
    nuclei = serializers.IntegerField(
        allow_null=True,
        help_text="Nuclei of the import: distinct instance ids per volume (an object through "
        "several sections counted once), summed over its volumes; null for a mask imported "
        "without --instances (no ids).",
    )


# A specimen as listed; its main volume is its first label-free volume at its first time point
# (any volume when it has no label-free one).
class SpecimenRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True, help_text=LAB)
    tags = serializers.ListField(child=serializers.CharField(), help_text=TAGS)
    modalities = serializers.ListField(
        child=serializers.CharField(),
        help_text="Its volumes' modalities with their channel (e.g. “fluorescence DAPI”), sorted.",
    )
    time_points = serializers.ListField(
        child=serializers.IntegerField(), help_text="Its volumes' time points, sorted."
    )
    volume_count = serializers.IntegerField(help_text="Its volumes, of every modality.")
    section_count = serializers.IntegerField(
        help_text="Sections of its label-free volumes (the ones annotated)."
    )
    shape = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="[z, y, x] of its main volume, in pixels; null without volumes.",
    )
    thumbnail_url = related_image(
        "A thumbnail (96 pixels at most) of the main volume's middle section; null without one."
    )
    url = serializers.CharField(help_text="The specimen's page.")
    imported_truth = ImportedTruthSerializer(
        allow_null=True, help_text="Its imported ground truth (expert masks); null without."
    )


class SpecimenQuerySerializer(serializers.Serializer):
    lab = serializers.CharField(required=False, allow_blank=True, max_length=100)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=64)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SectionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField(help_text=SECTION_Z)
    status = serializers.CharField(help_text=SECTION_STATUS)
    fluorescence_id = related_id(FLUORESCENCE_ID)
    image_url = serializers.CharField(help_text=IMAGE_URL)
    fluorescence_url = related_image("The paired fluorescence section's image; null when none.")


class VolumeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True, help_text=CHANNEL)
    time_index = serializers.IntegerField(help_text=TIME_INDEX)
    shape = serializers.ListField(
        child=serializers.IntegerField(), help_text="[z, y, x] in pixels."
    )
    voxel_size = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="[z, y, x] in µm; null when any is unknown.",
    )
    units = serializers.CharField(help_text=UNITS)
    stats = intensity_stats("the volume's")
    is_label_free = serializers.BooleanField(
        help_text="Not fluorescence (RI, bright-field, phase or DIC): its sections are annotated."
    )
    paired_with = related_id(
        "For a fluorescence volume: its label-free partner (same specimen and time "
        "point); null otherwise."
    )
    created_at = serializers.CharField(help_text="When it was imported (ISO 8601).")
    sections = SectionRowSerializer(many=True, help_text="By z.")


class VolumeDetailSerializer(VolumeSerializer):
    specimen_name = serializers.CharField()


class TimePointSerializer(serializers.Serializer):
    time_index = serializers.IntegerField(help_text=TIME_INDEX)
    volumes = VolumeSerializer(many=True, help_text="By modality, then channel.")


class SpecimenDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True, help_text=LAB)
    notes = serializers.CharField(allow_blank=True)
    project = serializers.CharField(help_text=PROJECT_SLUG)
    tags = serializers.ListField(child=serializers.CharField(), help_text=TAGS)
    frame_interval_min = serializers.FloatField(allow_null=True, help_text=FRAME_INTERVAL)
    voxel_size = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="[z, y, x] in µm that every volume of the specimen has; null when some volume "
        "has none (its nuclei are not measured in µm³, µm² or pg) or they differ (see each "
        "volume's voxel_size).",
    )
    voxel_size_set_by = serializers.CharField(
        allow_null=True,
        help_text="Who last set the voxel size after import; null: as imported (or a command "
        "acting as no one).",
    )
    voxel_size_set_at = serializers.CharField(
        allow_null=True,
        help_text="When the voxel size was last set after import (ISO 8601); null: as imported.",
    )
    time_points = TimePointSerializer(many=True, help_text="Its time points, in order.")


# What the import accepts (``frame_interval_check``): above 0, at most 100,000 minutes.
@extend_schema_field(
    {
        "type": "number",
        "nullable": True,
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 100_000,
        "example": 5,
    }
)
class MinutesField(serializers.Field):
    """A JSON number of minutes or null; its range is checked by the service as an import's
    interval is, so the API and the page refuse the same values in the same words."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise serializers.ValidationError(
                f"The frame interval must be a number of minutes, e.g. 5 or 0.5; got {data!r}."
            )
        return data

    def to_representation(self, value):
        return value


# What the service accepts (``annotations/services/voxel_size.py``): 3 numbers z, y, x (or y, x
# for single sections), each from 0.01 to 100 µm.
@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "number", "minimum": 0.01, "maximum": 100},
        "minItems": 2,
        "maxItems": 3,
        "example": [0.195, 0.098, 0.098],
    }
)
class VoxelSizeField(serializers.Field):
    """A JSON list of micrometres; its numbers are checked by the service, so the API, the page
    and the command refuse the same values in the same words."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class SpecimenUpdateSerializer(RefusesUnknownFields, serializers.Serializer):
    frame_interval_min = MinutesField(
        required=False,
        allow_null=True,
        help_text="Minutes between time points (above 0, e.g. 5 or 0.5); null clears it, and "
        "left out it stays as it is. Anything else is a 400, as at import.",
    )
    voxel_size = VoxelSizeField(
        required=False,
        help_text="[z, y, x] in µm (or [y, x] for a field of single sections), each from 0.01 "
        "to 100: every volume of the specimen, label-free and paired stains, at every time "
        "point, takes it. Evaluations and predictions made from now on measure µm³, µm² and "
        "dry mass with it; those made before keep the size they were made with (their "
        "voxel_size). Left out it stays as it is; it cannot be cleared.",
    )


class FluorescencePartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The fluorescence section's id.")
    channel = serializers.CharField(allow_blank=True, help_text=CHANNEL)
    volume_id = serializers.IntegerField(help_text="The id of its volume.")
    stats = intensity_stats("the fluorescence section's")
    image_url = serializers.CharField(help_text=IMAGE_URL)


class SectionDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField(help_text=SECTION_Z)
    shape = serializers.ListField(
        child=serializers.IntegerField(), help_text="[height, width] (y, x) in pixels."
    )
    volume_id = serializers.IntegerField(help_text="The id of its volume.")
    specimen_id = serializers.IntegerField()
    specimen_name = serializers.CharField()
    project = serializers.CharField(help_text=PROJECT_SLUG)
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True, help_text=CHANNEL)
    time_index = serializers.IntegerField(help_text=TIME_INDEX)
    size_z = serializers.IntegerField(help_text="Sections in its volume.")
    units = serializers.CharField(help_text=UNITS)
    stats = intensity_stats("the section's")
    status = serializers.CharField(help_text=SECTION_STATUS)
    is_label_free = serializers.BooleanField(
        help_text="A label-free section (the ones annotated), not a fluorescence one."
    )
    fluorescence = FluorescencePartnerSerializer(
        allow_null=True, help_text="Its paired fluorescence section; null when none."
    )
    label_free_partner = related_id(
        "For a fluorescence section: the label-free section paired with it; null otherwise."
    )
    prev_id = related_id("The section at z - 1 of the same volume; null for the first.")
    next_id = related_id("The section at z + 1 of the same volume; null for the last.")
    image_url = serializers.CharField(help_text=IMAGE_URL)
