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
from cellweb.api.fields import NumberField
from cellweb.api.reads import ReadApi, read_schema


def window_end(help_text: str) -> NumberField:
    """One end of a custom window; null (or left out) for the other modes."""
    return NumberField(
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


# The auto window: percentiles of the whole volume, stored with it at import.
class AutoWindowSerializer(serializers.Serializer):
    lo = serializers.FloatField(help_text="The volume's 0.5th percentile.")
    hi = serializers.FloatField(help_text="The volume's 99.5th percentile.")


# A volume's display window and slider, every value in ``units``
# (``annotations.selectors.display``).
_WINDOW_END = (
    "The default window's {end} end: RI's configured window, else the volume's {percentile} "
    "percentile."
)
_SLIDER_END = (
    "The slider's {end} end: the {most} of the data, the default window (RI: rounded {way} to "
    "0.01) and the auto window."
)


class VolumeWindowSerializer(serializers.Serializer):
    volumeId = serializers.IntegerField(help_text="The volume's id.")
    lo = serializers.FloatField(help_text=_WINDOW_END.format(end="low", percentile="0.5th"))
    hi = serializers.FloatField(help_text=_WINDOW_END.format(end="high", percentile="99.5th"))
    min = serializers.FloatField(help_text=_SLIDER_END.format(end="low", most="lowest", way="down"))
    max = serializers.FloatField(help_text=_SLIDER_END.format(end="high", most="highest", way="up"))
    step = serializers.FloatField(
        help_text="The slider's step: 0.001 for RI, else a thousandth of the data's range."
    )
    units = serializers.CharField(help_text="RI or intensity.")
    auto = AutoWindowSerializer(
        required=False,
        help_text="The 0.5–99.5 percentiles of the whole volume; left out when unknown or flat.",
    )
    preference = PreferenceSerializer(allow_null=True, help_text="Your saved choice, if any.")
    preferenceUrl = serializers.CharField(help_text="Where to PUT a new choice.")


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
