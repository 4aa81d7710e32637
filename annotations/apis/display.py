"""REST endpoint of a person's display window for a volume: read it, save a new choice."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from annotations.conflicts import CONFLICTS
from annotations.models import WindowMode
from annotations.permissions import get_volume
from annotations.selectors.display import volume_display_window
from annotations.services.display import LARGEST_BOUND, display_preference_save
from cellweb.api import conflict_responses, only, parse
from cellweb.api.reads import ReadApi, read_schema


def window_end(help_text: str) -> serializers.FloatField:
    """One end of a custom window; null (or left out) for the other modes."""
    return serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=-LARGEST_BOUND,
        max_value=LARGEST_BOUND,
        help_text=help_text,
    )


class PreferenceSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=WindowMode.choices)
    lo = window_end("A custom window's low end, below hi (physical units).")
    hi = window_end("A custom window's high end, above lo.")
    # A custom window needs both bounds; the others take none (lo < hi cannot be said here).
    schema_rules = {
        "anyOf": [
            {"properties": {"mode": only(WindowMode.DEFAULT, WindowMode.AUTO)}},
            {
                "properties": {
                    "mode": only(WindowMode.CUSTOM),
                    "lo": {"type": "number"},
                    "hi": {"type": "number"},
                },
                "required": ["mode", "lo", "hi"],
            },
        ]
    }


class AutoWindowSerializer(serializers.Serializer):
    lo = serializers.FloatField()
    hi = serializers.FloatField()


class VolumeWindowSerializer(serializers.Serializer):
    volumeId = serializers.IntegerField()
    lo = serializers.FloatField(help_text="The physical default window's low bound.")
    hi = serializers.FloatField()
    min = serializers.FloatField(help_text="The slider's range.")
    max = serializers.FloatField()
    step = serializers.FloatField()
    units = serializers.CharField()
    auto = AutoWindowSerializer(
        required=False, help_text="The 0.5–99.5 percentiles of the whole volume."
    )
    preference = PreferenceSerializer(allow_null=True, help_text="Your saved choice, if any.")
    preferenceUrl = serializers.CharField()


@read_schema("volumes_display_retrieve", VolumeWindowSerializer)
class VolumeDisplayApi(ReadApi):
    # The window control sends JSON; a form field could not carry a null bound.
    parser_classes = [JSONParser]

    def read(self, request, volume_id: int):
        return volume_display_window(volume=get_volume(request.user, volume_id), user=request.user)

    @extend_schema(
        operation_id="volumes_display_update",
        request=PreferenceSerializer,
        responses={
            200: PreferenceSerializer,
            **conflict_responses(CONFLICTS, "no_auto_window"),
        },
    )
    def put(self, request, volume_id: int):
        volume = get_volume(request.user, volume_id)
        values = parse(PreferenceSerializer, request.data, flat=True)
        preference = display_preference_save(user=request.user, volume=volume, **values)
        return Response(
            PreferenceSerializer(
                {"mode": preference.mode, "lo": preference.lo, "hi": preference.hi}
            ).data
        )
