"""The input fields the inference endpoints share: database ids, the probability threshold and
the network's input size."""

from __future__ import annotations

from rest_framework import serializers

from cellweb.api.fields import NumberField
from inference.services.config_kit import MAX_INPUT, MIN_INPUT

MAX_DB_ID = 2**62
MAX_IDS = 10_000

# The networks halve the input four times (a DRF integer field cannot say multipleOf): the
# ``schema_rules`` of a request with an ``input_size`` (``cellweb.api.schema``).
INPUT_SIZE_RULES = {"allOf": [{"properties": {"input_size": {"multipleOf": 16}}}]}


def probability_threshold() -> NumberField:
    """The threshold on the network's foreground probability (0.5 as in the paper)."""
    return NumberField(required=False, default=0.5, min_value=0.001, max_value=0.999)


def optional_id(help_text: str) -> serializers.IntegerField:
    """An optional database id (null or left out: the default ``help_text`` describes)."""
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_DB_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
    )


def id_list(**options) -> serializers.ListField:
    """A list of up to ``MAX_IDS`` database ids; ``options``: its default, help text, ..."""
    child = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID)
    return serializers.ListField(child=child, max_length=MAX_IDS, **options)


def input_size_field(default: int = 448) -> serializers.IntegerField:
    """The side of the network's square input, in pixels (see ``INPUT_SIZE_RULES``)."""
    return serializers.IntegerField(
        default=default, min_value=MIN_INPUT, max_value=MAX_INPUT, help_text="A multiple of 16."
    )
