"""``limit`` and ``offset`` query parameters, the page of a list they select, and the
``{"count", "results"}`` answer of a page."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rest_framework import serializers

MAX_LIMIT = 500


class LimitQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=50)


class PageQuerySerializer(LimitQuerySerializer):
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


# A page of a list: ``count`` (every item, not only the page's) and ``results``, which a subclass
# declares as its item serializer with ``many=True``. (A docstring would be the description of
# every list in the schema.)
class PageSerializer(serializers.Serializer):
    count = serializers.IntegerField()


def page_of(items: Sequence, *, limit: int, offset: int = 0) -> tuple[int, list]:
    """``(count of all items, the items of the page)``."""
    return len(items), list(items[offset : offset + limit])


def page_answer(count: int, results: Sequence) -> dict:
    """What a ``PageSerializer`` serializes."""
    return {"count": count, "results": results}


def requested_page(items: Sequence, query_params, row: Callable | None = None) -> dict:
    """The page of ``items`` that the request's ``limit`` and ``offset`` select (a 400 when
    they are invalid), as a ``PageSerializer`` answer; ``row`` turns each item of the page
    into its answer."""
    query = PageQuerySerializer(data=query_params)
    query.is_valid(raise_exception=True)
    count, page = page_of(items, **query.validated_data)
    return page_answer(count, [row(item) for item in page] if row else page)
