"""Request fields whose rules recur across endpoints: optional text, and an optional id."""

from __future__ import annotations

from rest_framework import serializers

# Ids in a query: positive, and small enough for every database column that holds one.
MAX_QUERY_ID = 2**62


def optional_text(max_length: int, **kwargs) -> serializers.CharField:
    """Text up to ``max_length`` that may be left out or empty (then ``""``)."""
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def optional_id(help_text: str) -> serializers.IntegerField:
    """The id of an object, or nothing (then the endpoint's default)."""
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_QUERY_ID, help_text=help_text
    )
