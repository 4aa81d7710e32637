"""Form fields the import endpoints share (a volume's upload, a folder's, a ground-truth mask's),
and the base of the two volume import forms."""

from __future__ import annotations

from django.core.validators import RegexValidator
from rest_framework import serializers

from annotations.services.imports.channels import parse_channel_names
from annotations.services.imports.checks import VOXEL_SIZE_PATTERN, parse_voxel_size
from annotations.services.imports.options import ImportOptions
from cellweb.api.fields import name_text, optional_text

VOXEL_SIZE_VALIDATOR = RegexValidator(
    VOXEL_SIZE_PATTERN,
    "The voxel size must be two or three numbers above 0 and below 1000 in micrometres, "
    "z,y,x (e.g. 0.195,0.098,0.098), or empty.",
)


def dataset_field() -> serializers.CharField:
    return optional_text(500, help_text="Dataset path inside an HDF5 file.")


def voxel_size_field(help_text: str) -> serializers.CharField:
    """Optional text "z,y,x" checked by ``VOXEL_SIZE_VALIDATOR``."""
    return optional_text(100, validators=[VOXEL_SIZE_VALIDATOR], help_text=help_text)


class VolumeImportFields(serializers.Serializer):
    # What every volume import form takes beside its files and its voxel size: the lab, and the
    # channels of a multi-channel label-free image (docs/channels.md). Validated, a form is the
    # keyword arguments of its import service, its options as one record (``options``: the
    # voxel size as numbers, the channel names as a list). (A comment, not a docstring: the
    # schema would give it to every form built on it.)
    lab = name_text(100, what="lab", required=False)
    channels = optional_text(
        300,
        source="channel_names",
        help_text="Channel names of a multi-channel label-free image, e.g. bf,phase.",
    )
    channel_axis = serializers.IntegerField(
        min_value=0,
        max_value=3,
        required=False,
        help_text="The stored array's axis that holds the label-free channels "
        "(0 for (c, y, x), 1 for (z, c, y, x)).",
    )
    stain_channels = optional_text(
        300,
        help_text="Those of the channels that are a stain, e.g. hoechst: stored as fluorescence "
        "volumes of that channel, paired with the label-free image of the other channels.",
    )
    frame_interval = serializers.FloatField(
        source="frame_interval_min",
        required=False,
        allow_null=True,
        help_text="Minutes between consecutive time points of a time-lapse, for files that do "
        "not record it (ImageJ finterval, OME TimeIncrement, a TCF's TimeInterval are read); "
        "overrides the file's own.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["voxel_size"] = parse_voxel_size(attrs.get("voxel_size", ""))
        attrs["channel_names"] = parse_channel_names(attrs.get("channel_names", ""))
        attrs["stain_channels"] = parse_channel_names(attrs.get("stain_channels", ""))
        options, rest = ImportOptions.take(attrs)
        return {**rest, "options": options}
