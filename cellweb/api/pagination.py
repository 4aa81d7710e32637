"""``limit`` and ``offset`` query parameters, and the page of a list they select."""

from __future__ import annotations

from collections.abc import Sequence

from rest_framework import serializers

MAX_LIMIT = 500


class LimitQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=50)


class PageQuerySerializer(LimitQuerySerializer):
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


def page_of(items: Sequence, *, limit: int, offset: int = 0) -> tuple[int, list]:
    """``(count of all items, the items of the page)``."""
    return len(items), list(items[offset : offset + limit])
